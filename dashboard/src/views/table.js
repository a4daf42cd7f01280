// The trial table: sort by any column, filter by state and by a condition on a parameter, a value
// or an attribute, jump to a trial number, page through. Only the rows in view exist in the DOM
// (a virtualised list), so 100 000 trials cost what 30 do.

import { el, select, fmtNumber, fmtDuration, fmtTime, clear } from '../dom.js';
import { STATES } from '../store.js';

const ROW_H = 24;
const VIEW_ROWS = 20;

function columnsOf(study) {
  const cols = [
    { key: 'number', label: '#', width: 70, get: (t) => t.number, numeric: true },
    { key: 'state', label: 'state', width: 90, get: (t) => t.state },
  ];
  study.directions.forEach((_, i) => {
    cols.push({ key: `value:${i}`, label: study.objectiveName(i), width: 110, numeric: true, get: (t) => (t.values ? t.values[i] : null) });
  });
  for (const name of study.paramNames) {
    cols.push({ key: `param:${name}`, label: name, width: 100, param: name, get: (t) => (t.params ? t.params[name] : undefined) });
  }
  cols.push({ key: 'duration', label: 'duration', width: 80, numeric: true, get: (t) => t.duration, fmt: fmtDuration });
  cols.push({ key: 'start', label: 'started (UTC)', width: 175, numeric: true, get: (t) => t.tStart, fmt: fmtTime });
  cols.push({ key: 'worker', label: 'worker', width: 130, get: (t) => t.worker || '' });
  return cols;
}

function compare(a, b) {
  const na = a === null || a === undefined || (typeof a === 'number' && Number.isNaN(a));
  const nb = b === null || b === undefined || (typeof b === 'number' && Number.isNaN(b));
  if (na || nb) return na === nb ? 0 : na ? 1 : -1; // missing last
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

const OPS = {
  '=': (v, x) => (typeof v === 'number' && Number.isFinite(Number(x)) && x !== '' ? v === Number(x) : String(v) === x),
  '!=': (v, x) => !OPS['='](v, x),
  '<': (v, x) => typeof v === 'number' && v < Number(x),
  '<=': (v, x) => typeof v === 'number' && v <= Number(x),
  '>': (v, x) => typeof v === 'number' && v > Number(x),
  '>=': (v, x) => typeof v === 'number' && v >= Number(x),
  contains: (v, x) => v !== null && v !== undefined && String(v).includes(x),
};

export class TrialTable {
  constructor(study, ctx) {
    this.study = study;
    this.ctx = ctx;
    this.sortKey = 'number';
    this.sortDesc = false;
    this.state = '';
    this.filterKey = '';
    this.filterOp = '>';
    this.filterValue = '';
    this.message = '';
    this.root = el('section', { class: 'table-section', id: 'trial-table' });
    this.viewport = el('div', { class: 'tv-viewport', tabindex: '0' });
    this.spacer = el('div', { class: 'tv-spacer' });
    this.rowsBox = el('div', { class: 'tv-rows' });
    this.header = el('div', { class: 'tv-header' });
    this.status = el('span', { class: 'tv-status', id: 'table-status' });
    this.viewport.append(this.spacer, this.rowsBox);
    this.viewport.addEventListener('scroll', () => this.drawRows());
    this.built = false;
  }

  element() {
    return this.root;
  }

  // Rebuilds controls and header (the columns change when a new parameter appears).
  build() {
    const s = this.study;
    this.cols = columnsOf(s);
    this.template = this.cols.map((c) => `${c.width}px`).join(' ');
    clear(this.root);
    const filterFields = [['', '(no condition)'], ...this.cols.filter((c) => c.key !== 'state').map((c) => [c.key, c.label])];
    this.filterInput = el('input', { type: 'text', id: 'filter-value', placeholder: 'value', size: 10, value: this.filterValue });
    this.filterInput.addEventListener('input', () => {
      this.filterValue = this.filterInput.value;
      this.refresh();
    });
    const jump = el('input', { type: 'number', id: 'jump-number', placeholder: 'trial #', min: 0, size: 7 });
    jump.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.jumpTo(Number(jump.value));
    });
    this.root.append(
      el('div', { class: 'controls' },
        el('strong', null, 'Trials'),
        el('label', null, 'State ', select([['', 'all'], ...STATES.map((x) => [x, x.toLowerCase()])], this.state, (v) => { this.state = v; this.refresh(); }, { id: 'filter-state' })),
        el('label', null, 'Where ',
          select(filterFields, this.filterKey, (v) => { this.filterKey = v; this.refresh(); }, { id: 'filter-field' }),
          select(Object.keys(OPS), this.filterOp, (v) => { this.filterOp = v; this.refresh(); }, { id: 'filter-op' }),
          this.filterInput),
        el('label', null, 'Go to ', jump, el('button', { type: 'button', onclick: () => this.jumpTo(Number(jump.value)) }, 'Go')),
      ),
      el('div', { class: 'controls' },
        el('button', { type: 'button', id: 'page-first', onclick: () => this.page(-Infinity) }, 'first'),
        el('button', { type: 'button', id: 'page-prev', onclick: () => this.page(-1) }, 'previous page'),
        el('button', { type: 'button', id: 'page-next', onclick: () => this.page(1) }, 'next page'),
        el('button', { type: 'button', id: 'page-last', onclick: () => this.page(Infinity) }, 'last'),
        this.status),
    );
    clear(this.header);
    this.header.style.gridTemplateColumns = this.template;
    for (const c of this.cols) {
      const arrow = this.sortKey === c.key ? (this.sortDesc ? ' ▼' : ' ▲') : '';
      this.header.append(el('div', { class: 'tv-cell tv-head', title: `sort by ${c.label}`, dataset: { key: c.key }, onclick: () => this.sortBy(c.key) }, c.label + arrow));
    }
    const width = this.cols.reduce((a, c) => a + c.width, 0);
    this.header.style.width = `${width}px`;
    this.rowsBox.style.width = `${width}px`;
    this.spacer.style.width = `${width}px`;
    this.root.append(el('div', { class: 'tv-wrap' }, this.header, this.viewport));
    this.viewport.style.height = `${ROW_H * VIEW_ROWS}px`;
    this.viewport.addEventListener('scroll', () => { this.header.style.transform = `translateX(${-this.viewport.scrollLeft}px)`; });
    this.builtFor = s.paramNames.join('\u0000');
    this.built = true;
  }

  sortBy(key) {
    if (this.sortKey === key) this.sortDesc = !this.sortDesc;
    else [this.sortKey, this.sortDesc] = [key, false];
    this.build();
    this.refresh();
  }

  // Recomputes the filtered, sorted rows (on new trials, filter or sort changes) and redraws.
  refresh() {
    const s = this.study;
    if (!this.built || this.builtFor !== s.paramNames.join('\u0000')) this.build();
    let rows = s.list();
    if (this.state) rows = rows.filter((t) => t.state === this.state);
    if (this.filterKey && this.filterValue !== '') {
      const col = this.cols.find((c) => c.key === this.filterKey);
      const op = OPS[this.filterOp];
      const x = this.filterValue.trim();
      if (col) rows = rows.filter((t) => op(col.get(t), x));
    }
    const col = this.cols.find((c) => c.key === this.sortKey) || this.cols[0];
    if (col.key !== 'number' || this.sortDesc) {
      const get = col.get;
      rows = rows.slice().sort((a, b) => compare(get(a), get(b)) || a.number - b.number);
      if (this.sortDesc) rows.reverse();
    }
    this.rows = rows;
    this.total = s.list().length;
    this.spacer.style.height = `${Math.max(1, Math.ceil(rows.length / VIEW_ROWS)) * VIEW_ROWS * ROW_H}px`;
    this.drawRows(true);
  }

  drawRows(force = false) {
    if (!this.rows) return;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_H) - 5);
    const last = Math.min(this.rows.length, first + VIEW_ROWS + 10);
    if (!force && first === this.first && last === this.last) return this.updateStatus();
    this.first = first;
    this.last = last;
    const frag = document.createDocumentFragment();
    for (let i = first; i < last; i++) {
      const t = this.rows[i];
      const row = el('div', { class: `tv-row state-${t.state.toLowerCase()}`, dataset: { number: t.number } });
      row.style.gridTemplateColumns = this.template;
      row.style.transform = `translateY(${i * ROW_H}px)`;
      for (const c of this.cols) {
        const v = c.get(t);
        const text = c.fmt ? c.fmt(v) : typeof v === 'number' ? fmtNumber(v) : v === undefined || v === null ? '' : String(v);
        row.append(el('div', { class: c.numeric ? 'tv-cell num' : 'tv-cell', title: text, text }));
      }
      row.addEventListener('click', () => this.ctx.showTrial(t.number));
      frag.append(row);
    }
    clear(this.rowsBox).append(frag);
    this.updateStatus();
  }

  updateStatus() {
    const n = this.rows.length;
    const top = Math.floor(this.viewport.scrollTop / ROW_H);
    const a = n ? Math.min(n, top + 1) : 0;
    const b = Math.min(n, top + VIEW_ROWS);
    const page = n ? Math.floor(top / VIEW_ROWS) + 1 : 0;
    const pages = Math.ceil(n / VIEW_ROWS);
    this.status.textContent =
      `rows ${a.toLocaleString()}–${b.toLocaleString()} of ${n.toLocaleString()}` +
      (n !== this.total ? ` (filtered from ${this.total.toLocaleString()})` : '') +
      ` · page ${page.toLocaleString()} of ${pages.toLocaleString()}` + (this.message ? ` · ${this.message}` : '');
  }

  page(delta) {
    const pages = Math.max(1, Math.ceil(this.rows.length / VIEW_ROWS));
    const current = Math.floor(Math.floor(this.viewport.scrollTop / ROW_H) / VIEW_ROWS);
    let target = current + delta;
    if (delta === -Infinity) target = 0;
    if (delta === Infinity) target = pages - 1;
    target = Math.max(0, Math.min(pages - 1, target));
    this.viewport.scrollTop = target * VIEW_ROWS * ROW_H;
    this.message = '';
    this.drawRows(true);
  }

  jumpTo(number) {
    const i = this.rows.findIndex((t) => t.number === number);
    if (i < 0) {
      this.message = `trial ${number} is not among these rows`;
      this.updateStatus();
      return;
    }
    this.message = `trial ${number}`;
    this.viewport.scrollTop = i * ROW_H;
    this.drawRows(true);
    const row = this.rowsBox.querySelector(`[data-number="${number}"]`);
    if (row) row.classList.add('highlight');
  }
}
