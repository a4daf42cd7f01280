// A study's trials as the page holds them: the first load reads everything (since=0), each poll
// only what was written after the version the last answer carried (storage versioned reads).

import { api } from './api.js';

export const STATES = ['COMPLETE', 'PRUNED', 'FAIL', 'RUNNING', 'WAITING'];

function parseTime(s) {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

function prepare(trial) {
  trial.tStart = parseTime(trial.datetime_start);
  trial.tComplete = parseTime(trial.datetime_complete);
  trial.duration =
    trial.tStart !== null && trial.tComplete !== null ? (trial.tComplete - trial.tStart) / 1000 : null;
  return trial;
}

export class StudyData {
  constructor(info) {
    this.info = info;
    this.id = info.id;
    this.version = 0;
    this.trials = []; // by number (numbers are dense per study; holes stay undefined)
    this.revision = 0; // bumps on every change; views cache what they derive by it
    this.loaded = false;
    this.paramNames = [];
    this.distributions = {};
    this.cache = new Map();
  }

  get directions() {
    return this.info.directions || ['minimize'];
  }

  get nObjectives() {
    return this.directions.length;
  }

  objectiveName(i) {
    const names = this.info.objective_names;
    if (names && names[i]) return names[i];
    return this.nObjectives === 1 ? 'value' : `values_${i}`;
  }

  list() {
    return this.cached('list', () => this.trials.filter((t) => t !== undefined));
  }

  cached(key, compute) {
    const hit = this.cache.get(key);
    if (hit && hit.revision === this.revision) return hit.value;
    const value = compute();
    this.cache.set(key, { revision: this.revision, value });
    return value;
  }

  merge(delta) {
    const incoming = delta.trials || [];
    const params = new Set(this.paramNames);
    let newParam = false;
    const shared = delta.distributions || null; // a compact answer: distributions once, at top level
    if (shared) {
      for (const [name, dist] of Object.entries(shared)) {
        if (!params.has(name)) {
          params.add(name);
          newParam = true;
        }
        if (!this.distributions[name]) this.distributions[name] = dist;
      }
    }
    for (const t of incoming) {
      prepare(t);
      this.trials[t.number] = t;
      if (shared) {
        // Keep the detail view's per-trial distributions: each parameter's shared one.
        if (!t.distributions) t.distributions = this.distributions;
        continue;
      }
      for (const name in t.distributions || {}) {
        if (!params.has(name)) {
          params.add(name);
          newParam = true;
        }
        if (!this.distributions[name]) this.distributions[name] = t.distributions[name];
      }
    }
    if (newParam) {
      const order = this.info.param_names || [];
      const rank = new Map(order.map((n, i) => [n, i]));
      this.paramNames = [...params].sort((a, b) => {
        const ra = rank.has(a) ? rank.get(a) : 1e9;
        const rb = rank.has(b) ? rank.get(b) : 1e9;
        return ra - rb || (a < b ? -1 : a > b ? 1 : 0);
      });
    }
    if (typeof delta.version === 'number') this.version = delta.version;
    if (incoming.length > 0 || !this.loaded) this.revision++;
    this.loaded = true;
    return incoming.length;
  }

  async load(onProgress) {
    const delta = await api.trials(this.id, 0, onProgress);
    this.merge(delta);
  }

  async poll() {
    const delta = await api.trials(this.id, this.version);
    return this.merge(delta);
  }

  // Completed (and feasible, when the study has constraints) trials with a value for objective k.
  completed() {
    return this.cached('completed', () =>
      this.list().filter((t) => t.state === 'COMPLETE' && Array.isArray(t.values) && t.values.length > 0),
    );
  }

  // Per trial in number order: [numbers, values, bestSoFar, feasible] for objective k.
  history(k) {
    return this.cached(`history:${k}`, () => {
      const done = this.completed();
      const minimize = this.directions[k] !== 'maximize';
      const n = done.length;
      const xs = new Float64Array(n);
      const ys = new Float64Array(n);
      const best = new Float64Array(n);
      const feasible = new Uint8Array(n);
      let b = minimize ? Infinity : -Infinity;
      // In a study where some complete trial has constraint values, a trial without them is
      // infeasible (the server's rule for the best trial and the Pareto front, Optuna 3.1's).
      const constrained = done.some((t) => Array.isArray(t.constraints));
      for (let i = 0; i < n; i++) {
        const t = done[i];
        const v = t.values[k];
        xs[i] = t.number;
        ys[i] = typeof v === 'number' ? v : NaN;
        const ok = Array.isArray(t.constraints) ? t.feasible === true : !constrained;
        feasible[i] = ok ? 1 : 0;
        if (ok && Number.isFinite(ys[i]) && (minimize ? ys[i] < b : ys[i] > b)) b = ys[i];
        best[i] = Number.isFinite(b) ? b : NaN;
      }
      return { xs, ys, best, feasible };
    });
  }

  counts() {
    return this.cached('counts', () => {
      const c = Object.fromEntries(STATES.map((s) => [s, 0]));
      for (const t of this.list()) c[t.state] = (c[t.state] || 0) + 1;
      return c;
    });
  }

  // The numeric position of a parameter value on its axis: numbers as they are, categorical
  // choices by their index in the distribution's choices.
  paramAxis(name) {
    const d = this.distributions[name] || {};
    if (d.type === 'categorical') {
      const choices = (d.choices || []).map((c) => (typeof c === 'string' ? c : JSON.stringify(c)));
      const index = new Map(choices.map((c, i) => [c, i]));
      return {
        categorical: true,
        choices,
        log: false,
        min: -0.5,
        max: Math.max(choices.length - 0.5, 0.5),
        pos(v) {
          if (v === undefined || v === null) return NaN;
          const key = typeof v === 'string' ? v : JSON.stringify(v);
          const i = index.get(key);
          return i === undefined ? NaN : i;
        },
      };
    }
    let lo = typeof d.low === 'number' ? d.low : Infinity;
    let hi = typeof d.high === 'number' ? d.high : -Infinity;
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
      for (const t of this.list()) {
        const v = t.params ? t.params[name] : undefined;
        if (typeof v === 'number') {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
    }
    if (!Number.isFinite(lo)) {
      lo = 0;
      hi = 1;
    }
    return {
      categorical: false,
      log: !!d.log && lo > 0,
      min: lo,
      max: hi,
      pos: (v) => (typeof v === 'number' ? v : NaN),
    };
  }
}
