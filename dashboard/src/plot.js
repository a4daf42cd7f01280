// Small canvas plotting helpers for the views that uPlot does not fit (parallel coordinates,
// slice, contour, Pareto front, learning curves, timeline). Every label is drawn with fillText.

import { el, fmtNumber } from './dom.js';

export const COLORS = {
  complete: '#2f6fb3',
  best: '#d9480f',
  pruned: '#c92a2a',
  fail: '#868e96',
  running: '#2b8a3e',
  waiting: '#ae3ec9',
  front: '#d9480f',
  grid: '#e9ecef',
  axis: '#495057',
  text: '#212529',
};

export const STATE_COLORS = {
  COMPLETE: COLORS.complete,
  PRUNED: COLORS.pruned,
  FAIL: COLORS.fail,
  RUNNING: COLORS.running,
  WAITING: COLORS.waiting,
};

// Viridis, 9 stops; t in [0, 1].
const VIRIDIS = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

export function viridis(t, alpha = 1) {
  if (!Number.isFinite(t)) return `rgba(150,150,150,${alpha})`;
  const x = Math.min(Math.max(t, 0), 1) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(x), VIRIDIS.length - 2);
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  const c = (k) => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgba(${c(0)},${c(1)},${c(2)},${alpha})`;
}

export function extent(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (typeof v === 'number' && Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const span = hi - lo;
  const step0 = span / count;
  const mag = Math.pow(10, Math.floor(Math.log10(step0)));
  const norm = step0 / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

// A linear or logarithmic map from data to pixels; categorical axes are linear over indices.
export class Scale {
  constructor({ min, max, log = false, categories = null }, p0, p1) {
    this.log = log && min > 0 && max > 0;
    this.categories = categories;
    this.min = min;
    this.max = max;
    this.p0 = p0;
    this.p1 = p1;
    this.a = this.log ? Math.log10(min) : min;
    this.b = this.log ? Math.log10(max) : max;
    if (this.a === this.b) {
      this.a -= 0.5;
      this.b += 0.5;
    }
    this.k = (p1 - p0) / (this.b - this.a);
  }

  map(v) {
    const x = this.log ? Math.log10(v) : v;
    return this.p0 + (x - this.a) * this.k;
  }

  invert(p) {
    const x = this.a + (p - this.p0) / this.k;
    return this.log ? Math.pow(10, x) : x;
  }

  ticks(count = 5) {
    if (this.categories) return this.categories.map((c, i) => [i, c]);
    if (this.log) {
      const out = [];
      const lo = Math.floor(this.a);
      const hi = Math.ceil(this.b);
      const stride = Math.max(1, Math.ceil((hi - lo) / count));
      for (let e = lo; e <= hi; e += stride) {
        const v = Math.pow(10, e);
        if (v >= this.min * 0.999 && v <= this.max * 1.001) out.push([v, fmtNumber(v, 3)]);
      }
      if (out.length < 2) return [[this.min, fmtNumber(this.min, 3)], [this.max, fmtNumber(this.max, 3)]];
      return out;
    }
    return niceTicks(this.a, this.b, count).map((v) => [v, fmtNumber(v, 4)]);
  }
}

// A canvas sized for the device pixel ratio; returns { canvas, ctx, width, height }.
export function makeCanvas(width, height, attrs = {}) {
  const canvas = el('canvas', attrs);
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  ctx.font = '11px system-ui, sans-serif';
  return { canvas, ctx, width, height };
}

function clip(text, max = 24) {
  const s = String(text);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

// A framed x/y plot: axes, grid and labels drawn; returns the two scales and the plot area.
export function xyPlot(width, height, x, y, { title, margin } = {}) {
  const m = margin || { left: 64, right: 14, top: title ? 24 : 10, bottom: 40 };
  const c = makeCanvas(width, height, { class: 'plot' });
  const { ctx } = c;
  const X = new Scale(x, m.left, width - m.right);
  const Y = new Scale(y, height - m.bottom, m.top);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.strokeStyle = COLORS.grid;
  ctx.fillStyle = COLORS.axis;
  ctx.lineWidth = 1;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const xt = X.ticks(Math.max(2, Math.floor((width - m.left) / 90)));
  const xstride = x.categories ? Math.max(1, Math.ceil((xt.length * 60) / (width - m.left - m.right))) : 1;
  xt.forEach(([v, label], i) => {
    const px = X.map(v);
    ctx.beginPath();
    ctx.moveTo(px + 0.5, m.top);
    ctx.lineTo(px + 0.5, height - m.bottom);
    ctx.stroke();
    if (i % xstride === 0) ctx.fillText(clip(label, 12), px, height - m.bottom + 4);
  });
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const yt = Y.ticks(Math.max(2, Math.floor((height - m.top - m.bottom) / 40)));
  const ystride = y.categories ? Math.max(1, Math.ceil((yt.length * 14) / (height - m.top - m.bottom))) : 1;
  yt.forEach(([v, label], i) => {
    const py = Y.map(v);
    ctx.beginPath();
    ctx.moveTo(m.left, py + 0.5);
    ctx.lineTo(width - m.right, py + 0.5);
    ctx.stroke();
    if (i % ystride === 0) ctx.fillText(clip(label, 9), m.left - 4, py);
  });
  ctx.strokeStyle = COLORS.axis;
  ctx.strokeRect(m.left + 0.5, m.top + 0.5, width - m.left - m.right, height - m.top - m.bottom);
  ctx.fillStyle = COLORS.text;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  if (x.label) ctx.fillText(clip(x.label, 60), m.left + (width - m.left - m.right) / 2, height - 4);
  if (title) {
    ctx.font = 'bold 12px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    ctx.fillText(clip(title, 60), width / 2, 4);
    ctx.font = '11px system-ui, sans-serif';
  }
  if (y.label) {
    ctx.save();
    ctx.translate(12, m.top + (height - m.top - m.bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(clip(y.label, 40), 0, 0);
    ctx.restore();
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(m.left, m.top, width - m.left - m.right, height - m.top - m.bottom);
  ctx.clip();
  return { ...c, X, Y, margin: m, done: () => ctx.restore() };
}

// Keeps at most `limit` items, evenly strided, always including the ones `keep` says to keep.
export function strideSample(items, limit, keep) {
  if (items.length <= limit) return items;
  const stride = items.length / limit;
  const out = [];
  let next = 0;
  for (let i = 0; i < items.length; i++) {
    if (i >= next) {
      out.push(items[i]);
      next += stride;
    } else if (keep && keep(items[i])) out.push(items[i]);
  }
  return out;
}

export function legend(entries) {
  return el(
    'div',
    { class: 'legend' },
    entries.map(([color, label]) => {
      const sw = el('span', { class: 'swatch' });
      sw.style.background = color;
      return el('span', { class: 'legend-item' }, sw, label);
    }),
  );
}

export function colorBar(label, lo, hi) {
  const c = makeCanvas(160, 10, { class: 'colorbar' });
  for (let i = 0; i < 160; i++) {
    c.ctx.fillStyle = viridis(i / 159);
    c.ctx.fillRect(i, 0, 1, 10);
  }
  return el('span', { class: 'colorbar-wrap' }, `${label}: ${fmtNumber(lo, 4)} `, c.canvas, ` ${fmtNumber(hi, 4)}`);
}
