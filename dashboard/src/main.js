// The Parzen dashboard: a single-page app over `parzen dashboard`'s JSON API. Routes (in the URL's
// hash, so the page can be bookmarked and reloaded): #/ the study list, #/study/ID/VIEW a study,
// #/compare/ID,ID,... several studies side by side. It polls the server for what changed.

import 'uplot/dist/uPlot.min.css';
import './app.css';
import { el, clear, fmtNumber } from './dom.js';
import { api } from './api.js';
import { StudyData, STATES } from './store.js';
import { renderHistory } from './views/history.js';
import {
  renderParallel, renderSlice, renderContour, renderImportance, renderPareto, renderIntermediate, renderTimeline,
} from './views/plots.js';
import { TrialTable } from './views/table.js';
import { renderDetail } from './views/detail.js';
import { renderCompare } from './views/compare.js';

const POLL_MS = Number(new URLSearchParams(location.search).get('poll_ms')) || 1500;

const VIEWS = [
  ['history', 'History', renderHistory],
  ['parallel', 'Parallel coordinates', renderParallel],
  ['slice', 'Slice', renderSlice],
  ['contour', 'Contour', renderContour],
  ['importance', 'Importance', renderImportance],
  ['pareto', 'Pareto front', renderPareto],
  ['intermediate', 'Intermediate values', renderIntermediate],
  ['timeline', 'Timeline', renderTimeline],
];

const app = document.getElementById('app');
const progress = document.getElementById('progress');
const progressBar = document.getElementById('progress-bar');
const progressText = document.getElementById('progress-text');
const liveBox = document.getElementById('live');

let studies = []; // the last /api/studies answer
let page = null; // the active page object, with stop()
let server = null; // the /api/server answer: {allow_writes}

async function serverInfo() {
  if (!server) {
    try {
      server = await api.server();
    } catch {
      server = { allow_writes: false };
    }
  }
  return server;
}

// The write token, asked for once per tab (kept in sessionStorage, never in the URL).
function writeToken() {
  let token = sessionStorage.getItem('parzen-token');
  if (!token) {
    token = window.prompt('The write token (printed by `parzen dashboard --allow-writes`, or its --token-file):') || '';
    if (token) sessionStorage.setItem('parzen-token', token);
  }
  return token;
}

function stoppedText(s) {
  const r = s.stop_request;
  if (!r) return '';
  return `stop requested${r.requested_at ? ` at ${r.requested_at.replace('T', ' ')}` : ''}${r.by ? ` by ${r.by}` : ''}; \`parzen run\` resumes it`;
}

function stoppedBadge(s) {
  return s.stop_request ? el('span', { class: 'badge stopped', title: stoppedText(s), text: 'stopped' }) : null;
}

function setProgress(text, fraction) {
  if (text === null) {
    progress.hidden = true;
    return;
  }
  progress.hidden = false;
  progressText.textContent = text;
  if (fraction === null || fraction === undefined) progressBar.removeAttribute('value');
  else progressBar.value = fraction;
}

function setLive(text, ok = true) {
  liveBox.textContent = text;
  liveBox.className = ok ? 'live ok' : 'live error';
}

function mb(bytes) {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

async function refreshStudies() {
  const res = await api.studies();
  studies = res.studies || [];
  return studies;
}

function directionText(s) {
  return (s.directions || []).join(', ');
}

function bestText(s) {
  if (!s.best_values) return '';
  return s.best_values.map((v) => fmtNumber(v)).join(', ') + (s.best_trial !== null && s.best_trial !== undefined ? ` (#${s.best_trial})` : '');
}

// ---------------------------------------------------------------- study list
class StudyListPage {
  constructor() {
    this.timer = null;
    this.selected = new Set();
    this.root = el('section', { id: 'study-list' });
  }

  async start() {
    clear(app).append(this.root);
    document.title = 'Parzen dashboard';
    setProgress('Loading studies…');
    await this.tick();
    setProgress(null);
  }

  async tick() {
    try {
      await refreshStudies();
      if (this.stopped) return;
      this.draw();
      setLive(`live · ${new Date().toLocaleTimeString()}`);
    } catch (e) {
      setLive(`server unreachable: ${e.message}`, false);
    }
    if (!this.stopped) this.timer = setTimeout(() => this.tick(), POLL_MS * 2);
  }

  draw() {
    const compareBtn = el('button', { type: 'button', id: 'compare-button', disabled: this.selected.size < 2 }, 'Compare selected');
    compareBtn.addEventListener('click', () => { location.hash = `#/compare/${[...this.selected].join(',')}`; });
    const head = el('tr', null, ['', 'study', 'direction', 'best value', ...STATES.map((s) => s.toLowerCase()), 'last activity'].map((h) => el('th', { text: h })));
    const body = el('tbody');
    for (const s of studies) {
      const box = el('input', { type: 'checkbox', title: 'select for comparison' });
      box.checked = this.selected.has(s.id);
      box.addEventListener('change', () => {
        if (box.checked) this.selected.add(s.id);
        else this.selected.delete(s.id);
        compareBtn.disabled = this.selected.size < 2;
      });
      const n = s.n_trials || {};
      if (s.error) {
        // An unreadable study (a damaged row): its error, the other studies as usual.
        body.append(el('tr', { dataset: { study: s.id }, class: 'study-error' },
          el('td', null, box),
          el('td', null, el('span', { text: s.name })),
          el('td', { text: directionText(s) }),
          el('td', { class: 'error', colspan: STATES.length + 2, text: s.error })));
        continue;
      }
      body.append(el('tr', { dataset: { study: s.id } },
        el('td', null, box),
        el('td', null, el('a', { href: `#/study/${s.id}/history`, class: 'study-link', text: s.name }), stoppedBadge(s)),
        el('td', { text: directionText(s) }),
        el('td', { class: 'num', text: bestText(s) }),
        STATES.map((st) => el('td', { class: 'num', text: String(n[st] || 0) })),
        el('td', { text: s.last_activity ? s.last_activity.replace('T', ' ') : '' })));
    }
    clear(this.root).append(
      el('h2', null, `Studies (${studies.length})`),
      studies.length === 0 ? el('p', { class: 'empty' }, 'This storage has no study yet.') : el('table', { class: 'list' }, el('thead', null, head), body),
      el('div', { class: 'controls' }, compareBtn),
    );
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}

// ---------------------------------------------------------------- one study
class StudyPage {
  constructor(id, view) {
    this.id = id;
    this.view = view;
    this.timer = null;
    this.stopped = false;
    this.ctx = {
      objective: 0,
      evaluator: 'ped-anova',
      historyLog: false,
      showTrial: (n) => this.showTrial(n),
      setObjective: (k) => { this.ctx.objective = k; this.drawView(); },
      setHistoryLog: (b) => { this.ctx.historyLog = b; this.drawView(); },
      setContour: (x, y) => { this.ctx.contourX = x; this.ctx.contourY = y; this.drawView(); },
      setEvaluator: (e) => { this.ctx.evaluator = e; this.drawView(); },
      setPareto: (x, y) => { this.ctx.paretoX = x; this.ctx.paretoY = y; this.drawView(); },
    };
  }

  async start() {
    clear(app);
    document.body.dataset.loaded = 'false';
    window.__parzenLoaded = null;
    setProgress('Loading the study…');
    const t0 = performance.now();
    const marks = {};
    // The study list (for the study's directions and names) and its trials are asked for at once.
    const trialsPromise = api.trials(this.id, 0, (got, total, done, parsed) => {
      if (done) {
        marks.received_ms = performance.now();
        marks.bytes = got;
      }
      const n = parsed ? ` (${parsed.toLocaleString()} trials)` : '';
      setProgress(total ? `Loading trials: ${mb(got)} of ${mb(total)}${n}` : `Loading trials: ${mb(got)}${n}`, total ? got / total : null);
    });
    trialsPromise.catch(() => {}); // reported below, once the study is known to exist
    await Promise.all([refreshStudies(), serverInfo()]);
    const info = studies.find((s) => s.id === this.id);
    if (!info) {
      setProgress(null);
      app.append(el('p', { class: 'error' }, `No study with id ${this.id}. `, el('a', { href: '#/' }, 'All studies')));
      return;
    }
    this.study = new StudyData(info);
    document.title = `${info.name} · Parzen dashboard`;
    const delta = await trialsPromise;
    marks.json_ms = performance.now();
    this.study.merge(delta);
    marks.parsed_ms = performance.now();
    if (this.stopped) return;
    setProgress(`Drawing ${this.study.list().length.toLocaleString()} trials…`);
    await new Promise((r) => requestAnimationFrame(r));
    this.layout();
    this.drawAll();
    setProgress(null);
    // After the next frame: history and table are on screen. ms counts from navigation start.
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    window.__parzenLoaded = { ms: performance.now(), study_ms: performance.now() - t0, trials: this.study.list().length, start_ms: t0, ...marks };
    document.body.dataset.loaded = 'true';
    this.schedule();
  }

  layout() {
    const s = this.study;
    this.summary = el('div', { class: 'summary', id: 'study-summary' });
    this.tabs = el('nav', { class: 'tabs', id: 'view-tabs' });
    for (const [key, label] of VIEWS) {
      if (key === 'pareto' && s.nObjectives < 2) continue;
      const a = el('a', { href: `#/study/${s.id}/${key}`, dataset: { view: key }, text: label });
      this.tabs.append(a);
    }
    this.viewBox = el('section', { class: 'view', id: 'view' });
    this.table = new TrialTable(s, this.ctx);
    this.detail = el('aside', { class: 'detail', id: 'trial-detail', hidden: true });
    const downloads = el('span', { class: 'downloads' }, 'Download ',
      el('a', { href: api.exportUrl(s.id, 'csv'), download: `${s.info.name}.csv`, id: 'download-csv' }, 'CSV'), ' · ',
      el('a', { href: api.exportUrl(s.id, 'json'), download: `${s.info.name}.json`, id: 'download-json' }, 'JSON'));
    app.append(
      el('div', { class: 'crumbs' }, el('a', { href: '#/' }, 'All studies'), ' / ', el('strong', { id: 'study-name', text: s.info.name }), downloads),
      this.summary, this.tabs, this.viewBox, this.table.element(), this.detail);
  }

  drawSummary() {
    const s = this.study;
    const c = s.counts();
    const best = [];
    for (let k = 0; k < s.nObjectives; k++) {
      const h = s.history(k);
      const b = h.best.length ? h.best[h.best.length - 1] : NaN;
      best.push(`${s.objectiveName(k)} (${s.directions[k]}): ${Number.isFinite(b) ? fmtNumber(b) : '—'}`);
    }
    const info = s.info;
    let stop = null;
    if (info.stop_request) {
      stop = el('span', { class: 'stop-state', id: 'stop-state' }, el('span', { class: 'badge stopped', text: 'stopped' }), ` ${stoppedText(info)}`);
    } else if (server && server.allow_writes) {
      // Only a server started with --allow-writes offers it; the request needs the token.
      stop = el('button', { type: 'button', id: 'stop-button', title: 'Its runs and workers start no new trial and exit when their running trials end' }, 'Stop study');
      stop.addEventListener('click', () => this.requestStop(stop));
    }
    clear(this.summary).append(
      el('span', null, `${s.list().length.toLocaleString()} trials: `),
      ...STATES.map((st) => el('span', { class: `badge state-${st.toLowerCase()}` }, `${st.toLowerCase()} ${c[st] || 0}`)),
      el('span', { class: 'best' }, s.nObjectives === 1 ? `best ${best[0]}` : `objectives: ${best.join('; ')} (best per objective)`),
      stop,
    );
  }

  async requestStop(button) {
    const token = writeToken();
    if (!token) return;
    button.disabled = true;
    try {
      const res = await api.stop(this.id, token);
      this.study.info.stop_request = res.stop_request;
      this.drawSummary();
    } catch (e) {
      if (e.status === 403) sessionStorage.removeItem('parzen-token');
      button.disabled = false;
      setLive(`stop failed: ${e.message}`, false);
    }
  }

  drawView() {
    if (this.plot && this.plot.destroy) this.plot.destroy();
    this.plot = null;
    clear(this.viewBox);
    for (const a of this.tabs.querySelectorAll('a')) a.classList.toggle('active', a.dataset.view === this.view);
    const entry = VIEWS.find(([k]) => k === this.view) || VIEWS[0];
    try {
      this.plot = entry[2](this.viewBox, this.study, this.ctx);
    } catch (e) {
      console.error(e);
      this.viewBox.append(el('p', { class: 'error' }, `This view failed: ${e.message}`));
    }
    this.viewBox.dataset.drawn = entry[0];
  }

  drawAll() {
    this.drawSummary();
    this.drawView();
    this.table.refresh();
    // The open trial's panel is redrawn only when that trial changed (a poll replaces its object).
    if (this.detailNumber !== undefined && !this.detail.hidden && this.study.trials[this.detailNumber] !== this.detailTrial)
      this.showTrial(this.detailNumber);
  }

  setView(view) {
    this.view = view;
    if (this.study && this.study.loaded) this.drawView();
  }

  showTrial(n) {
    this.detailNumber = n;
    this.detailTrial = this.study.trials[n];
    renderDetail(this.detail, this.study, n, () => { this.detail.hidden = true; });
  }

  schedule() {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tick(), POLL_MS);
  }

  async tick() {
    try {
      const n = await this.study.poll();
      if (this.stopped) return;
      // The study's own state (a stop requested elsewhere) every few polls.
      this.ticks = (this.ticks || 0) + 1;
      let infoChanged = false;
      if (this.ticks % 4 === 0) {
        await refreshStudies();
        const info = studies.find((x) => x.id === this.id);
        if (info && JSON.stringify(info.stop_request) !== JSON.stringify(this.study.info.stop_request)) {
          this.study.info.stop_request = info.stop_request;
          infoChanged = true;
        }
      }
      if (n > 0) this.drawAll();
      else if (infoChanged) this.drawSummary();
      setLive(`live · v${this.study.version} · ${new Date().toLocaleTimeString()}${n ? ` · ${n} new/changed` : ''}`);
    } catch (e) {
      setLive(`poll failed: ${e.message}`, false);
    }
    this.schedule();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.plot && this.plot.destroy) this.plot.destroy();
  }
}

// ---------------------------------------------------------------- router
async function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] === 'study' && page instanceof StudyPage && page.id === Number(parts[1])) {
    page.setView(parts[2] || 'history');
    return;
  }
  if (page) page.stop();
  try {
    if (parts[0] === 'study' && /^\d+$/.test(parts[1] || '')) page = new StudyPage(Number(parts[1]), parts[2] || 'history');
    else if (parts[0] === 'compare') page = { start: () => renderCompare(app, (parts[1] || '').split(',').map(Number).filter(Number.isFinite), { setProgress, refreshStudies }), stop: () => {} };
    else page = new StudyListPage();
    await page.start();
  } catch (e) {
    setProgress(null);
    clear(app).append(el('p', { class: 'error' }, `Cannot load: ${e.message}`));
    setLive(`error: ${e.message}`, false);
  }
}

window.addEventListener('hashchange', route);
route();
