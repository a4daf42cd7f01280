// Optimisation history: each completed trial's value and the best value so far, drawn with uPlot.
// Beyond what the eye can see the points are aggregated: per pixel column only the lowest and
// highest value are drawn (plus every trial where the best so far changed), so 100 000 trials
// draw as at most ~2 points per column.

import uPlot from 'uplot';
import { el, select } from '../dom.js';
import { COLORS } from '../plot.js';

// Indices to draw: min and max per column, plus the first, the last and each new best.
export function downsample(xs, ys, best, columns, from = 0, to = xs.length) {
  const n = to;
  if (to - from <= columns * 2) return null;
  const x0 = xs[from];
  const span = xs[n - 1] - x0 || 1;
  const lo = new Int32Array(columns).fill(-1);
  const hi = new Int32Array(columns).fill(-1);
  for (let i = from; i < n; i++) {
    const y = ys[i];
    if (!Number.isFinite(y)) continue;
    const c = Math.min(columns - 1, Math.floor(((xs[i] - x0) / span) * columns));
    if (lo[c] < 0 || y < ys[lo[c]]) lo[c] = i;
    if (hi[c] < 0 || y > ys[hi[c]]) hi[c] = i;
  }
  const keep = new Uint8Array(n);
  keep[from] = 1;
  keep[n - 1] = 1;
  for (let c = 0; c < columns; c++) {
    if (lo[c] >= 0) keep[lo[c]] = 1;
    if (hi[c] >= 0) keep[hi[c]] = 1;
  }
  for (let i = from + 1; i < n; i++) if (best[i] !== best[i - 1] && !(Number.isNaN(best[i]) && Number.isNaN(best[i - 1]))) keep[i] = 1;
  const idx = [];
  // One point on each side of the range, so lines run to the plot's edges when zoomed.
  if (from > 0) idx.push(from - 1);
  for (let i = from; i < n; i++) if (keep[i]) idx.push(i);
  if (to < xs.length) idx.push(to);
  return idx;
}

export function renderHistory(root, study, ctx) {
  const k = ctx.objective;
  const { xs, ys, best, feasible } = study.history(k);
  const width = Math.max(400, Math.min(root.clientWidth || 900, 1400) - 10);
  const height = 360;
  const controls = el('div', { class: 'controls' });
  if (study.nObjectives > 1) {
    controls.append(
      el('label', null, 'Objective ', select(study.directions.map((_, i) => [i, study.objectiveName(i)]), k, (v) => ctx.setObjective(Number(v)))),
    );
  }
  let allPositive = ys.length > 0;
  for (let i = 0; i < ys.length && allPositive; i++) if (!(ys[i] > 0)) allPositive = false;
  if (allPositive) {
    const box = el('input', { type: 'checkbox', id: 'history-log' });
    box.checked = !!ctx.historyLog;
    box.addEventListener('change', () => ctx.setHistoryLog(box.checked));
    controls.append(el('label', null, box, ' log scale'));
  }
  const note = el('span', { class: 'muted' });
  controls.append(note);
  root.append(controls);
  if (xs.length === 0) {
    root.append(el('p', { class: 'empty' }, 'No completed trials yet.'));
    return null;
  }
  const columns = Math.floor(width / 1.5);
  let hasInfeasible = false;
  for (let i = 0; i < feasible.length && !hasInfeasible; i++) if (!feasible[i]) hasInfeasible = true;
  // The points to draw for trials [from, to): all of them, or the aggregate per pixel column.
  const build = (from, to) => {
    const idx = downsample(xs, ys, best, columns, from, to);
    const all = idx || Array.from({ length: to - from }, (_, j) => from + j);
    const data = [
      all.map((i) => xs[i]),
      all.map((i) => (feasible[i] ? ys[i] : null)),
      all.map((i) => (Number.isFinite(best[i]) ? best[i] : null)),
    ];
    if (hasInfeasible) data.push(all.map((i) => (feasible[i] ? null : ys[i])));
    const shown = to - from;
    note.textContent = idx
      ? `${xs.length.toLocaleString()} completed trials; ${shown === xs.length ? '' : `${shown.toLocaleString()} in view; `}${all.length.toLocaleString()} drawn (lowest and highest per pixel column)`
      : `${xs.length.toLocaleString()} completed trials${shown === xs.length ? '' : `; ${shown.toLocaleString()} in view, all drawn`}`;
    return data;
  };
  const data = build(0, xs.length);
  let px = data[0];
  const series = [
    { label: 'trial' },
    {
      label: study.objectiveName(k),
      stroke: COLORS.complete,
      paths: () => null,
      points: { show: true, size: 4, fill: COLORS.complete, stroke: COLORS.complete },
    },
    {
      label: 'best so far',
      stroke: COLORS.best,
      width: 2,
      spanGaps: true,
      paths: uPlot.paths.stepped({ align: 1 }),
      points: { show: false },
    },
  ];
  if (hasInfeasible) {
    series.push({ label: 'infeasible', stroke: COLORS.fail, paths: () => null, points: { show: true, size: 4, fill: COLORS.fail } });
  }
  // Zooming (drag across the plot) aggregates again over the trials in view, so a zoomed plot
  // shows the detail the whole-study aggregate left out; double-click zooms out.
  let rebuilding = false;
  const lowerBound = (v) => {
    let a = 0;
    let b = xs.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (xs[m] < v) a = m + 1;
      else b = m;
    }
    return a;
  };
  const onScale = (u, key) => {
    if (key !== 'x' || rebuilding) return;
    const { min, max } = u.scales.x;
    if (min === null || max === null) return;
    const from = lowerBound(min);
    const to = Math.min(xs.length, lowerBound(max + 1e-9) + 0);
    const whole = from === 0 && to >= xs.length;
    if (!whole && to - from < 1) return;
    rebuilding = true;
    const next = build(from, whole ? xs.length : to);
    px = next[0];
    // The axes fit the trials in view (setData without rescaling would keep the old data's
    // index window).
    u.setData(next, true);
    rebuilding = false;
  };
  const holder = el('div', { class: 'uplot-holder', id: 'history-plot' });
  root.append(holder);
  const plot = new uPlot(
    {
      width,
      height,
      scales: { x: { time: false }, y: ctx.historyLog && allPositive ? { distr: 3 } : {} },
      axes: [{ label: 'trial number' }, { label: study.objectiveName(k), size: 70 }],
      series,
      cursor: { drag: { x: true, y: false } },
      hooks: { setScale: [onScale] },
    },
    data,
    holder,
  );
  // uPlot's own double-click resets to the range of the data it holds (the zoomed subset): after
  // it, put the whole study back.
  plot.over.addEventListener('dblclick', () => {
    rebuilding = true;
    const whole = build(0, xs.length);
    px = whole[0];
    plot.setData(whole, true);
    rebuilding = false;
  });
  plot.over.addEventListener('click', () => {
    const i = plot.cursor.idx;
    if (i !== null && i !== undefined && px[i] !== undefined) ctx.showTrial(px[i]);
  });
  return plot;
}
