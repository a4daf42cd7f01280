// The JSON API of `parzen dashboard` (docs/dashboard.md, "API").

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

// Fetches a large JSON body while reporting progress: onProgress(receivedBytes, totalBytes|null).
export async function getJsonWithProgress(url, onProgress, { signal } = {}) {
  const res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  if (!res.ok) throw await errorOf(res);
  const total = Number(res.headers.get('Content-Length')) || null;
  if (!res.body || !res.body.getReader) return res.json();
  const reader = res.body.getReader();
  const chunks = [];
  let received = 0;
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    const now = performance.now();
    if (now - lastReport > 50) {
      lastReport = now;
      onProgress(received, total);
    }
  }
  onProgress(received, total);
  const all = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  return JSON.parse(new TextDecoder().decode(all));
}

export const api = {
  studies: () => getJson('api/studies'),
  trials: (id, since, onProgress) =>
    onProgress
      ? getJsonWithProgress(`api/studies/${id}/trials?since=${since}`, onProgress)
      : getJson(`api/studies/${id}/trials?since=${since}`),
  importance: (id, evaluator, objective) =>
    getJson(`api/studies/${id}/importance?evaluator=${encodeURIComponent(evaluator)}&objective=${objective}`),
  pareto: (id) => getJson(`api/studies/${id}/pareto`),
  log: (id, number, stream, tailBytes) =>
    getJson(`api/studies/${id}/trials/${number}/log?stream=${stream}&tail_bytes=${tailBytes}`),
  exportUrl: (id, format) => `api/studies/${id}/export?format=${format}`,
};
