// Trial detail: values, parameters with their distributions, attributes, intermediate values and
// an excerpt of the trial's logs (the API reads them from the trial's directory).

import { el, fmtNumber, fmtTime, fmtDuration, clear } from '../dom.js';
import { api } from '../api.js';

function kv(rows) {
  return el('table', { class: 'kv' }, el('tbody', null, rows.map(([k, v]) => el('tr', null, el('th', { text: k }), el('td', { text: v })))));
}

function display(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return fmtNumber(v, 10);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function describe(d) {
  if (!d) return '';
  if (d.type === 'categorical') return `categorical {${(d.choices || []).map(display).join(', ')}}`;
  let s = `${d.type} [${display(d.low)}, ${display(d.high)}]`;
  if (d.log) s += ' log';
  if (d.step !== null && d.step !== undefined) s += ` step ${display(d.step)}`;
  return s;
}

export function renderDetail(root, study, number, onClose) {
  clear(root);
  const t = study.trials[number];
  root.hidden = false;
  const close = el('button', { type: 'button', class: 'close', id: 'detail-close', onclick: onClose, title: 'close' }, '×');
  if (!t) {
    root.append(close, el('p', { class: 'error' }, `Trial ${number} is not in this study.`));
    return;
  }
  root.append(close, el('h3', null, `Trial ${t.number}`, el('span', { class: `badge state-${t.state.toLowerCase()}`, text: t.state })));
  const values = (t.values || []).map((v, i) => [study.objectiveName(i), display(v)]);
  if (values.length) root.append(el('h4', null, 'Values'), kv(values));
  if (t.constraints) root.append(kv([['constraints', t.constraints.map(display).join(', ')], ['feasible', String(t.feasible)]]));
  const params = Object.keys(t.params || {}).map((k) => [k, `${display(t.params[k])}    (${describe((t.distributions || {})[k])})`]);
  root.append(el('h4', null, 'Parameters'), params.length ? kv(params) : el('p', { class: 'muted' }, 'none'));
  root.append(el('h4', null, 'Run'), kv([
    ['started', fmtTime(t.tStart)],
    ['completed', fmtTime(t.tComplete)],
    ['duration', fmtDuration(t.duration)],
    ['worker', t.worker || ''],
    ['trial id', String(t.trial_id)],
  ]));
  const ua = Object.entries(t.user_attrs || {});
  if (ua.length) root.append(el('h4', null, 'User attributes'), kv(ua.map(([k, v]) => [k, display(v)])));
  if (t.system_attrs) {
    const sa = Object.entries(t.system_attrs);
    if (sa.length) root.append(el('details', null, el('summary', null, `System attributes (${sa.length})`), kv(sa.map(([k, v]) => [k, display(v)]))));
  } else {
    // A compact answer leaves them out: read the whole trial when they are opened.
    const box = el('details', { id: 'detail-system-attrs' }, el('summary', null, 'System attributes'));
    box.addEventListener('toggle', () => {
      if (!box.open || box.dataset.loaded) return;
      box.dataset.loaded = 'true';
      api.trial(study.id, t.number)
        .then((full) => {
          const sa = Object.entries(full.system_attrs || {});
          box.append(sa.length ? kv(sa.map(([k, v]) => [k, display(v)])) : el('p', { class: 'muted' }, 'none'));
        })
        .catch((e) => { box.append(el('p', { class: 'error' }, `Cannot read them: ${e.message}`)); });
    });
    root.append(box);
  }
  const iv = t.intermediate_values || [];
  if (iv.length) {
    const last = iv[iv.length - 1];
    root.append(el('h4', null, 'Intermediate values'),
      el('p', null, `${iv.length} reported; last: step ${display(last[0])} = ${display(last[1])}`),
      el('details', null, el('summary', null, 'all'), kv(iv.map(([s, v]) => [`step ${display(s)}`, display(v)]))));
  }
  const logBox = el('pre', { class: 'log', id: 'detail-log' });
  const load = (stream) => {
    logBox.textContent = 'Loading…';
    api.log(study.id, t.number, stream, 16384)
      .then((res) => { logBox.textContent = (res.truncated ? '… (earlier output cut)\n' : '') + (res.text || '(empty)'); })
      .catch((e) => { logBox.textContent = e.status === 404 ? `No ${stream} log for this trial.` : `Cannot read the log: ${e.message}`; });
  };
  root.append(el('h4', null, 'Log ',
    el('button', { type: 'button', onclick: () => load('stdout') }, 'stdout'),
    el('button', { type: 'button', onclick: () => load('stderr') }, 'stderr')), logBox);
  load('stdout');
}
