// The JSON API of `parzen dashboard` (docs/dashboard.md, "API").

import { TrialsStreamParser } from './stream_json.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function errorOf(res) {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = await res.json();
    if (body && typeof body.error === 'string') message = body.error;
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, message);
}

export async function getJson(url, { signal } = {}) {
  const res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  if (!res.ok) throw await errorOf(res);
  return res.json();
}

// Fetches a /trials answer while it arrives: onProgress(receivedBytes, totalBytes|null, done,
// trialsParsed). Trials are parsed batch by batch as their bytes come in (stream_json.js), so
// parsing overlaps the transfer.
export async function getTrialsStreaming(url, onProgress, { signal } = {}) {
  const res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  if (!res.ok) throw await errorOf(res);
  const total = Number(res.headers.get('Content-Length')) || null;
  if (!res.body || !res.body.getReader) return res.json();
  const reader = res.body.getReader();
  const parser = new TrialsStreamParser();
  let received = 0;
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    parser.push(value);
    const now = performance.now();
    if (now - lastReport > 100) {
      lastReport = now;
      onProgress(received, total, false, parser.count);
    }
  }
  onProgress(received, total, true, parser.count);
  return parser.finish();
}

// A write (docs/dashboard.md, "Writes"): POST with the token `parzen dashboard --allow-writes`
// printed, as a bearer token.
export async function postJson(url, body, token) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await errorOf(res);
  return res.json();
}

export const api = {
  studies: () => getJson('api/studies'),
  server: () => getJson('api/server'),
  // One trial with every field (a compact /trials answer leaves out its system attributes).
  trial: (id, number) => getJson(`api/studies/${id}/trials/${number}`),
  stop: (id, token) => postJson(`api/studies/${id}/stop`, {}, token),
  // compact=1: the server may send each parameter's distribution once, at top level, instead of
  // in every trial (docs/dashboard.md, API); both answers are handled (StudyData.merge).
  trials: (id, since, onProgress) =>
    onProgress
      ? getTrialsStreaming(`api/studies/${id}/trials?since=${since}&compact=1`, onProgress)
      : getJson(`api/studies/${id}/trials?since=${since}&compact=1`),
  importance: (id, evaluator, objective) =>
    getJson(`api/studies/${id}/importance?evaluator=${encodeURIComponent(evaluator)}&objective=${objective}`),
  pareto: (id) => getJson(`api/studies/${id}/pareto`),
  log: (id, number, stream, tailBytes) =>
    getJson(`api/studies/${id}/trials/${number}/log?stream=${stream}&tail_bytes=${tailBytes}`),
  exportUrl: (id, format) => `api/studies/${id}/export?format=${format}`,
};
