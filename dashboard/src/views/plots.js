// Parallel coordinates, slice, contour, importance, Pareto front, learning curves and timeline,
// drawn on canvas. Each keeps the number of drawn marks bounded (strided samples that always keep
// the best trials, or per-cell aggregates) so a 100 000-trial study draws as fast as a small one.

import { el, select, fmtNumber, clear } from '../dom.js';
import { api } from '../api.js';
import {
  COLORS, STATE_COLORS, viridis, extent, makeCanvas, xyPlot, strideSample, legend, colorBar, Scale,
} from '../plot.js';

const MAX_LINES = 3000;
const MAX_POINTS = 5000;

function objectiveSelect(study, ctx) {
  if (study.nObjectives <= 1) return null;
  return el('label', null, 'Objective ', select(study.directions.map((_, i) => [i, study.objectiveName(i)]), ctx.objective, (v) => ctx.setObjective(Number(v))));
}

function plotWidth(root) {
  return Math.max(420, Math.min(root.clientWidth || 900, 1400) - 10);
}

// Completed trials with a finite value of objective k, and a 0..1 colour position (1 = best).
function valued(study, k) {
  return study.cached(`valued:${k}`, () => {
    const minimize = study.directions[k] !== 'maximize';
    const rows = study.completed().filter((t) => Number.isFinite(t.values[k]));
    const [lo, hi] = extent(rows.map((t) => t.values[k]));
    const rank = (v) => (hi > lo ? (minimize ? (hi - v) / (hi - lo) : (v - lo) / (hi - lo)) : 0.5);
    const sorted = rows.slice().sort((a, b) => (minimize ? a.values[k] - b.values[k] : b.values[k] - a.values[k]));
    const cut = sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.02))].values[k] : 0;
    const isTop = (t) => (minimize ? t.values[k] <= cut : t.values[k] >= cut);
    return { rows, lo, hi, rank, isTop };
  });
}

function empty(root, text) {
  root.append(el('p', { class: 'empty' }, text));
}

export function renderParallel(root, study, ctx) {
  const k = ctx.objective;
  const controls = el('div', { class: 'controls' }, objectiveSelect(study, ctx));
  root.append(controls);
  const { rows, lo, hi, rank, isTop } = valued(study, k);
  if (rows.length === 0 || study.paramNames.length === 0) return empty(root, 'No completed trials with parameters yet.');
  const names = study.paramNames;
  const axes = names.map((n) => ({ name: n, ...study.paramAxis(n) }));
  axes.push({ name: study.objectiveName(k), categorical: false, log: false, min: lo, max: hi, pos: null });
  const width = Math.max(plotWidth(root), axes.length * 90);
  const height = 420;
  const m = { left: 50, right: 60, top: 30, bottom: 50 };
  const c = makeCanvas(width, height, { class: 'plot', id: 'parallel-plot' });
  const { ctx: g } = c;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, width, height);
  const step = (width - m.left - m.right) / Math.max(1, axes.length - 1);
  const scales = axes.map((a) => new Scale({ min: a.min, max: a.max, log: a.log, categories: a.categorical ? a.choices : null }, height - m.bottom, m.top));
  const drawn = strideSample(rows, MAX_LINES, isTop);
  // Worst first so that the best lines end up on top.
  drawn.sort((a, b) => rank(a.values[k]) - rank(b.values[k]));
  g.lineWidth = 1;
  const alpha = drawn.length > 1000 ? 0.25 : 0.6;
  for (const t of drawn) {
    g.strokeStyle = viridis(rank(t.values[k]), alpha);
    g.beginPath();
    let pen = false;
    for (let i = 0; i < axes.length; i++) {
      const v = i === axes.length - 1 ? t.values[k] : axes[i].pos(t.params[names[i]]);
      if (!Number.isFinite(v) || (axes[i].log && v <= 0)) {
        pen = false;
        continue;
      }
      const x = m.left + i * step;
      const y = scales[i].map(v);
      if (pen) g.lineTo(x, y);
      else g.moveTo(x, y);
      pen = true;
    }
    g.stroke();
  }
  g.fillStyle = COLORS.text;
  axes.forEach((a, i) => {
    const x = m.left + i * step;
    g.strokeStyle = COLORS.axis;
    g.beginPath();
    g.moveTo(x + 0.5, m.top);
    g.lineTo(x + 0.5, height - m.bottom);
    g.stroke();
    g.textAlign = 'center';
    g.textBaseline = 'top';
    g.font = 'bold 11px system-ui, sans-serif';
    const label = a.name.length > 16 ? `${a.name.slice(0, 15)}…` : a.name;
    g.fillText(label, x, height - m.bottom + 8 + (i % 2) * 14);
    g.font = '10px system-ui, sans-serif';
    g.textAlign = 'left';
    g.textBaseline = 'middle';
    const ticks = scales[i].ticks(5);
    const stride = Math.max(1, Math.ceil((ticks.length * 12) / (height - m.top - m.bottom)));
    ticks.forEach(([v, text], j) => {
      if (j % stride) return;
      const y = scales[i].map(v);
      g.fillStyle = 'rgba(255,255,255,0.8)';
      const s = text.length > 12 ? `${text.slice(0, 11)}…` : text;
      g.fillRect(x + 2, y - 6, g.measureText(s).width + 4, 12);
      g.fillStyle = COLORS.text;
      g.fillText(s, x + 4, y);
    });
  });
  root.append(el('div', { class: 'scroll-x' }, c.canvas));
  root.append(
    el('div', { class: 'muted' },
      colorBar(study.objectiveName(k), lo, hi),
      `  ${drawn.length.toLocaleString()} of ${rows.length.toLocaleString()} completed trials drawn (evenly spaced sample that keeps the best 2 %)`),
  );
}

export function renderSlice(root, study, ctx) {
  const k = ctx.objective;
  root.append(el('div', { class: 'controls' }, objectiveSelect(study, ctx)));
  const { rows, lo, hi } = valued(study, k);
  if (rows.length === 0 || study.paramNames.length === 0) return empty(root, 'No completed trials with parameters yet.');
  const drawn = strideSample(rows, MAX_POINTS);
  const grid = el('div', { class: 'grid', id: 'slice-plots' });
  const nmax = rows[rows.length - 1].number || 1;
  for (const name of study.paramNames) {
    const ax = study.paramAxis(name);
    const p = xyPlot(330, 240,
      { min: ax.min, max: ax.max, log: ax.log, categories: ax.categorical ? ax.choices : null, label: name },
      { min: lo, max: hi, label: study.objectiveName(k) },
      { margin: { left: 58, right: 10, top: 10, bottom: 36 } });
    const g = p.ctx;
    for (const t of drawn) {
      let v = ax.pos(t.params[name]);
      if (!Number.isFinite(v)) continue;
      if (ax.categorical) v += ((t.number * 0.618034) % 1 - 0.5) * 0.5; // jitter within the category
      g.fillStyle = viridis(t.number / nmax, 0.7);
      g.fillRect(p.X.map(v) - 1.5, p.Y.map(t.values[k]) - 1.5, 3, 3);
    }
    p.done();
    grid.append(p.canvas);
  }
  root.append(grid);
  root.append(el('div', { class: 'muted' }, colorBar('trial number', 0, nmax),
    `  ${drawn.length.toLocaleString()} of ${rows.length.toLocaleString()} trials drawn`));
}

export function renderContour(root, study, ctx) {
  const k = ctx.objective;
  const names = study.paramNames;
  if (names.length < 2) {
    root.append(el('div', { class: 'controls' }, objectiveSelect(study, ctx)));
    return empty(root, 'The contour plot needs two parameters.');
  }
  const xName = names.includes(ctx.contourX) ? ctx.contourX : names[0];
  const yName = names.includes(ctx.contourY) && ctx.contourY !== xName ? ctx.contourY : names.find((n) => n !== xName);
  root.append(
    el('div', { class: 'controls' },
      objectiveSelect(study, ctx),
      el('label', null, 'x ', select(names, xName, (v) => ctx.setContour(v, yName), { id: 'contour-x' })),
      el('label', null, 'y ', select(names, yName, (v) => ctx.setContour(xName, v), { id: 'contour-y' }))),
  );
  const { rows, lo, hi, rank } = valued(study, k);
  if (rows.length === 0) return empty(root, 'No completed trials yet.');
  const ax = study.paramAxis(xName);
  const ay = study.paramAxis(yName);
  const size = Math.min(plotWidth(root), 640);
  const p = xyPlot(size, size,
    { min: ax.min, max: ax.max, log: ax.log, categories: ax.categorical ? ax.choices : null, label: xName },
    { min: ay.min, max: ay.max, log: ay.log, categories: ay.categorical ? ay.choices : null, label: yName });
  p.canvas.id = 'contour-plot';
  // Mean objective per cell of a grid (one cell per category on categorical axes), drawn as a
  // heat map; then the trials as dots. Cost: one pass over the trials, whatever their number.
  const nx = ax.categorical ? ax.choices.length : 48;
  const ny = ay.categorical ? ay.choices.length : 48;
  const sum = new Float64Array(nx * ny);
  const cnt = new Uint32Array(nx * ny);
  const cell = (scale, n, v, cat) => {
    if (cat) return Math.round(v);
    const f = (scale.log ? Math.log10(v) - scale.a : v - scale.a) / (scale.b - scale.a);
    return Math.min(n - 1, Math.max(0, Math.floor(f * n)));
  };
  const pts = [];
  for (const t of rows) {
    const vx = ax.pos(t.params[xName]);
    const vy = ay.pos(t.params[yName]);
    if (!Number.isFinite(vx) || !Number.isFinite(vy)) continue;
    const i = cell(p.X, nx, vx, ax.categorical);
    const j = cell(p.Y, ny, vy, ay.categorical);
    if (i < 0 || j < 0 || i >= nx || j >= ny) continue;
    sum[j * nx + i] += rank(t.values[k]);
    cnt[j * nx + i]++;
    pts.push([vx, vy]);
  }
  const g = p.ctx;
  const edge = (scale, n, i, cat) => {
    if (cat) return scale.map(i - 0.5);
    const a = scale.a + ((scale.b - scale.a) * i) / n;
    return scale.map(scale.log ? Math.pow(10, a) : a);
  };
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const c = cnt[j * nx + i];
      if (!c) continue;
      const x0 = edge(p.X, nx, i, ax.categorical);
      const x1 = edge(p.X, nx, i + 1, ax.categorical);
      const y0 = edge(p.Y, ny, j, ay.categorical);
      const y1 = edge(p.Y, ny, j + 1, ay.categorical);
      g.fillStyle = viridis(sum[j * nx + i] / c, 0.9);
      g.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0) + 0.5, Math.abs(y1 - y0) + 0.5);
    }
  }
  g.fillStyle = 'rgba(0,0,0,0.55)';
  for (const [vx, vy] of strideSample(pts, 2000)) g.fillRect(p.X.map(vx) - 1, p.Y.map(vy) - 1, 2, 2);
  p.done();
  root.append(p.canvas);
  const minimize = study.directions[k] !== 'maximize';
  root.append(el('div', { class: 'muted' },
    colorBar(`mean ${study.objectiveName(k)} per cell`, minimize ? hi : lo, minimize ? lo : hi),
    `  ${nx}×${ny} cells over ${pts.length.toLocaleString()} trials; dots: up to 2 000 of them`));
}

export function renderImportance(root, study, ctx) {
  const controls = el('div', { class: 'controls' },
    objectiveSelect(study, ctx),
    el('label', null, 'Evaluator ', select([['ped-anova', 'PED-ANOVA'], ['fanova', 'fANOVA']], ctx.evaluator, (v) => ctx.setEvaluator(v), { id: 'importance-evaluator' })));
  root.append(controls);
  const out = el('div', { id: 'importance-bars', class: 'bars' }, el('p', { class: 'muted' }, 'Computing…'));
  root.append(out);
  const key = `${ctx.evaluator}:${ctx.objective}:${study.revision}`;
  const cached = study.cache.get(`importance:${key}`);
  const show = (res) => {
    clear(out);
    if (res.error) {
      out.append(el('p', { class: 'error' }, `Importance cannot be computed: ${res.error}`));
      return;
    }
    const list = (res.importances || []).slice().sort((a, b) => b.importance - a.importance);
    if (list.length === 0) out.append(el('p', { class: 'empty' }, 'No parameters.'));
    const maxv = Math.max(...list.map((r) => r.importance), 1e-12);
    for (const r of list) {
      const bar = el('div', { class: 'bar' });
      bar.style.width = `${Math.max(0.5, (100 * r.importance) / maxv)}%`;
      out.append(el('div', { class: 'bar-row' },
        el('span', { class: 'bar-label', title: r.param, text: r.param }),
        el('span', { class: 'bar-track' }, bar),
        el('span', { class: 'bar-value', text: fmtNumber(r.importance, 3) })));
    }
  };
  if (cached) return show(cached.value);
  api.importance(study.id, ctx.evaluator, ctx.objective)
    .then((res) => {
      study.cache.set(`importance:${key}`, { revision: -1, value: res });
      if (out.isConnected) show(res);
    })
    .catch((e) => out.isConnected && show({ error: e.message }));
  return null;
}

export function renderPareto(root, study, ctx) {
  if (study.nObjectives < 2) return empty(root, 'The Pareto front needs a study with two or three objectives.');
  const n = study.nObjectives;
  const ox = Math.min(ctx.paretoX ?? 0, n - 1);
  const oy = Math.min(ctx.paretoY ?? 1, n - 1);
  const opts = study.directions.map((_, i) => [i, study.objectiveName(i)]);
  root.append(el('div', { class: 'controls' },
    el('label', null, 'x ', select(opts, ox, (v) => ctx.setPareto(Number(v), oy))),
    el('label', null, 'y ', select(opts, oy, (v) => ctx.setPareto(ox, Number(v)))),
    n === 3 ? el('span', { class: 'muted' }, ' colour: the third objective') : null));
  const holder = el('div', { class: 'grid', id: 'pareto-plots' }, el('p', { class: 'muted' }, 'Loading the front…'));
  root.append(holder);
  const draw = (res) => {
    clear(holder);
    if (res.error) return holder.append(el('p', { class: 'error' }, `Pareto front: ${res.error}`));
    const front = new Set(res.front || []);
    const rows = study.completed().filter((t) => t.values.length === n && t.values.every(Number.isFinite));
    const third = n === 3 ? [0, 1, 2].find((i) => i !== ox && i !== oy) : null;
    const [tlo, thi] = third !== null && third !== undefined ? extent(rows.map((t) => t.values[third])) : [0, 1];
    const size = Math.min(plotWidth(root) / 2 - 10, 560);
    const p = xyPlot(Math.max(size, 360), 400,
      { ...rangeOf(rows.map((t) => t.values[ox])), label: study.objectiveName(ox) },
      { ...rangeOf(rows.map((t) => t.values[oy])), label: study.objectiveName(oy) },
      { title: `Pareto front: ${front.size} of ${rows.length} trials` });
    p.canvas.id = 'pareto-plot';
    const g = p.ctx;
    const others = strideSample(rows.filter((t) => !front.has(t.number)), MAX_POINTS);
    for (const t of others) {
      g.fillStyle = third !== null && third !== undefined ? viridis((t.values[third] - tlo) / (thi - tlo || 1), 0.5) : 'rgba(47,111,179,0.45)';
      g.fillRect(p.X.map(t.values[ox]) - 1.5, p.Y.map(t.values[oy]) - 1.5, 3, 3);
    }
    const fr = rows.filter((t) => front.has(t.number)).sort((a, b) => a.values[ox] - b.values[ox]);
    g.fillStyle = COLORS.front;
    g.strokeStyle = '#fff';
    for (const t of fr) {
      g.beginPath();
      g.arc(p.X.map(t.values[ox]), p.Y.map(t.values[oy]), 4, 0, 2 * Math.PI);
      g.fill();
      g.stroke();
    }
    p.done();
    p.canvas.addEventListener('click', (ev) => {
      const r = p.canvas.getBoundingClientRect();
      let bestT = null;
      let bestD = 100;
      for (const t of fr) {
        const d = (p.X.map(t.values[ox]) - (ev.clientX - r.left)) ** 2 + (p.Y.map(t.values[oy]) - (ev.clientY - r.top)) ** 2;
        if (d < bestD) [bestD, bestT] = [d, t];
      }
      if (bestT) ctx.showTrial(bestT.number);
    });
    holder.append(p.canvas);
    const hv = res.hypervolume_history || [];
    if (hv.length > 0) {
      const hp = xyPlot(Math.max(size, 360), 400,
        { ...rangeOf(hv.map((r) => r[0])), label: 'trials' },
        { ...rangeOf(hv.map((r) => r[1])), label: 'hypervolume' },
        { title: `Hypervolume (reference point ${(res.reference_point || []).map((v) => fmtNumber(v, 4)).join(', ')})` });
      hp.canvas.id = 'hypervolume-plot';
      const h = hp.ctx;
      h.strokeStyle = COLORS.best;
      h.lineWidth = 2;
      h.beginPath();
      const hs = strideSample(hv, MAX_POINTS);
      hs.forEach(([x, y], i) => {
        // A step plot: the hypervolume holds until the next improvement.
        if (i === 0) h.moveTo(hp.X.map(x), hp.Y.map(y));
        else {
          h.lineTo(hp.X.map(x), hp.Y.map(hs[i - 1][1]));
          h.lineTo(hp.X.map(x), hp.Y.map(y));
        }
      });
      h.stroke();
      hp.done();
      holder.append(hp.canvas);
    }
    holder.append(legend([[COLORS.front, 'Pareto-optimal'], ['rgba(47,111,179,0.6)', 'dominated']]));
  };
  const key = `pareto:${study.revision}`;
  const hit = study.cache.get(key);
  if (hit) return draw(hit.value);
  api.pareto(study.id)
    .then((res) => {
      study.cache.set(key, { revision: -1, value: res });
      if (holder.isConnected) draw(res);
    })
    .catch((e) => holder.isConnected && draw({ error: e.message }));
  return null;
}

function rangeOf(values) {
  const [lo, hi] = extent(values);
  const pad = (hi - lo) * 0.04;
  return { min: lo - pad, max: hi + pad };
}

export function renderIntermediate(root, study, ctx) {
  const rows = study.list().filter((t) => t.intermediate_values && t.intermediate_values.length > 0);
  if (rows.length === 0) return empty(root, 'No trial reported intermediate values.');
  const drawn = strideSample(rows, 2000, (t) => t.state === 'RUNNING');
  let sx = [Infinity, -Infinity];
  let sy = [Infinity, -Infinity];
  for (const t of drawn) {
    for (const [s, v] of t.intermediate_values) {
      if (Number.isFinite(s)) sx = [Math.min(sx[0], s), Math.max(sx[1], s)];
      if (Number.isFinite(v)) sy = [Math.min(sy[0], v), Math.max(sy[1], v)];
    }
  }
  if (!Number.isFinite(sy[0])) sy = [0, 1];
  if (!Number.isFinite(sx[0])) sx = [0, 1];
  const p = xyPlot(plotWidth(root), 420, { ...rangeOf(sx), label: 'step' }, { ...rangeOf(sy), label: 'intermediate value' });
  p.canvas.id = 'intermediate-plot';
  const g = p.ctx;
  const alpha = drawn.length > 500 ? 0.25 : 0.6;
  const order = { COMPLETE: 0, FAIL: 1, PRUNED: 2, RUNNING: 3, WAITING: 4 };
  drawn.sort((a, b) => (order[a.state] ?? 0) - (order[b.state] ?? 0));
  let pruned = 0;
  for (const t of drawn) {
    const col = STATE_COLORS[t.state] || COLORS.fail;
    g.strokeStyle = col.startsWith('#') ? hexAlpha(col, alpha) : col;
    g.lineWidth = t.state === 'RUNNING' ? 2 : 1;
    g.beginPath();
    t.intermediate_values.forEach(([s, v], i) => {
      if (i === 0) g.moveTo(p.X.map(s), p.Y.map(v));
      else g.lineTo(p.X.map(s), p.Y.map(v));
    });
    g.stroke();
    if (t.state === 'PRUNED') {
      pruned++;
      const [s, v] = t.intermediate_values[t.intermediate_values.length - 1];
      const x = p.X.map(s);
      const y = p.Y.map(v);
      g.strokeStyle = COLORS.pruned;
      g.lineWidth = 1.5;
      g.beginPath();
      g.moveTo(x - 3, y - 3);
      g.lineTo(x + 3, y + 3);
      g.moveTo(x + 3, y - 3);
      g.lineTo(x - 3, y + 3);
      g.stroke();
    }
  }
  p.done();
  root.append(p.canvas);
  root.append(legend([[COLORS.complete, 'complete'], [COLORS.pruned, 'pruned (× where it stopped)'], [COLORS.running, 'running'], [COLORS.fail, 'failed']]));
  root.append(el('p', { class: 'muted' }, `${drawn.length.toLocaleString()} of ${rows.length.toLocaleString()} learning curves drawn; ${pruned.toLocaleString()} pruned among them`));
  return null;
}

function hexAlpha(hex, a) {
  const v = parseInt(hex.slice(1), 16);
  return `rgba(${(v >> 16) & 255},${(v >> 8) & 255},${v & 255},${a})`;
}

export function renderTimeline(root, study, ctx) {
  const rows = study.list().filter((t) => t.tStart !== null);
  if (rows.length === 0) return empty(root, 'No trial has started yet.');
  const now = Date.now();
  const workers = [...new Set(rows.map((t) => t.worker || '(unknown worker)'))].sort();
  const wi = new Map(workers.map((w, i) => [w, i]));
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const t of rows) {
    t0 = Math.min(t0, t.tStart);
    t1 = Math.max(t1, t.tComplete ?? (t.state === 'RUNNING' ? now : t.tStart));
  }
  const rowH = workers.length > 40 ? Math.max(3, Math.floor(600 / workers.length)) : 18;
  const height = workers.length * rowH + 60;
  const width = plotWidth(root);
  const p = xyPlot(width, height,
    { min: 0, max: Math.max((t1 - t0) / 1000, 1e-3), label: `seconds since ${new Date(t0).toISOString()}` },
    { min: -0.5, max: workers.length - 0.5, categories: workers, label: 'worker' },
    { margin: { left: 130, right: 14, top: 10, bottom: 40 } });
  p.canvas.id = 'timeline-plot';
  const g = p.ctx;
  const bh = Math.max(2, rowH - 4);
  for (const t of rows) {
    const end = t.tComplete ?? (t.state === 'RUNNING' ? now : t.tStart);
    const x0 = p.X.map((t.tStart - t0) / 1000);
    const x1 = p.X.map((end - t0) / 1000);
    g.fillStyle = STATE_COLORS[t.state] || COLORS.fail;
    g.fillRect(x0, p.Y.map(wi.get(t.worker || '(unknown worker)')) - bh / 2, Math.max(1, x1 - x0), bh);
  }
  p.done();
  root.append(el('div', { class: 'scroll-y' }, p.canvas));
  root.append(legend(Object.entries(STATE_COLORS).map(([s, c]) => [c, s.toLowerCase()])));
  root.append(el('p', { class: 'muted' }, `${rows.length.toLocaleString()} trials on ${workers.length} worker${workers.length === 1 ? '' : 's'}`));
  return null;
}
