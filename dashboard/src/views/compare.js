// Study comparison: the best value so far of each chosen study against the number of trials, and
// a table of their best values, trial counts and parameters.

import { el, clear, fmtNumber } from '../dom.js';
import { StudyData } from '../store.js';
import { xyPlot, extent, legend } from '../plot.js';

const PALETTE = ['#2f6fb3', '#d9480f', '#2b8a3e', '#ae3ec9', '#e67700', '#0c8599', '#c2255c', '#5f3dc4'];

export async function renderCompare(app, ids, { setProgress, refreshStudies }) {
  clear(app);
  const studies = await refreshStudies();
  const infos = ids.map((id) => studies.find((s) => s.id === id)).filter(Boolean);
  const root = el('section', { id: 'compare' });
  app.append(el('div', { class: 'crumbs' }, el('a', { href: '#/' }, 'All studies'), ' / comparison'), root);
  if (infos.length === 0) {
    root.append(el('p', { class: 'error' }, 'None of these studies exists; choose studies in the list.'));
    return;
  }
  const datas = [];
  for (const [i, info] of infos.entries()) {
    const d = new StudyData(info);
    await d.load((got) => setProgress(`Loading ${info.name} (${i + 1}/${infos.length}): ${(got / 1048576).toFixed(1)} MB`, null));
    datas.push(d);
  }
  setProgress(null);
  const dirs = new Set(datas.map((d) => d.directions[0]));
  if (dirs.size > 1) root.append(el('p', { class: 'warning' }, 'These studies optimise in different directions; each line is its own best so far.'));
  let xmax = 1;
  const all = [];
  for (const d of datas) {
    const h = d.history(0);
    if (h.xs.length) xmax = Math.max(xmax, h.xs.length);
    for (const v of h.best) all.push(v);
  }
  const [lo, hi] = extent(all);
  const p = xyPlot(Math.max(480, Math.min(app.clientWidth || 900, 1200) - 10), 380,
    { min: 0, max: xmax, label: 'completed trials' }, { min: lo, max: hi, label: 'best value so far (first objective)' });
  p.canvas.id = 'compare-plot';
  const g = p.ctx;
  datas.forEach((d, i) => {
    const { best } = d.history(0);
    g.strokeStyle = PALETTE[i % PALETTE.length];
    g.lineWidth = 2;
    g.beginPath();
    // At most ~2 vertices per pixel column: the best so far only changes at improvements.
    let started = false;
    for (let j = 0; j < best.length; j++) {
      if (!Number.isFinite(best[j])) continue;
      if (!started) {
        g.moveTo(p.X.map(j + 1), p.Y.map(best[j]));
        started = true;
      } else if (best[j] !== best[j - 1] || j === best.length - 1) {
        g.lineTo(p.X.map(j + 1), p.Y.map(best[j - 1]));
        g.lineTo(p.X.map(j + 1), p.Y.map(best[j]));
      }
    }
    g.stroke();
  });
  p.done();
  root.append(p.canvas, legend(datas.map((d, i) => [PALETTE[i % PALETTE.length], d.info.name])));
  const head = el('tr', null, ['study', 'direction', 'best value', 'best trial', 'complete', 'pruned', 'failed', 'parameters'].map((h) => el('th', { text: h })));
  const body = el('tbody');
  for (const d of datas) {
    const c = d.counts();
    body.append(el('tr', null,
      el('td', null, el('a', { href: `#/study/${d.id}/history`, text: d.info.name })),
      el('td', { text: d.directions.join(', ') }),
      el('td', { class: 'num', text: (d.info.best_values || []).map((v) => fmtNumber(v)).join(', ') }),
      el('td', { class: 'num', text: d.info.best_trial ?? '' }),
      el('td', { class: 'num', text: c.COMPLETE }),
      el('td', { class: 'num', text: c.PRUNED }),
      el('td', { class: 'num', text: c.FAIL }),
      el('td', { text: d.paramNames.join(', ') })));
  }
  root.append(el('table', { class: 'list', id: 'compare-table' }, el('thead', null, head), body));
}
