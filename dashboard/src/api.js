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
// The bytes are counted as they stream through to the browser's own JSON parser.
export async function getJsonWithProgress(url, onProgress, { signal } = {}) {
  const res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  if (!res.ok) throw await errorOf(res);
  const total = Number(res.headers.get('Content-Length')) || null;
  if (!res.body || typeof TransformStream === 'undefined') return res.json();
  let received = 0;
  let lastReport = 0;
  const counted = res.body.pipeThrough(
    new TransformStream({
      transform(chunk, controller) {
        received += chunk.byteLength;
        const now = performance.now();
        if (now - lastReport > 50) {
          lastReport = now;
          onProgress(received, total);
        }
        controller.enqueue(chunk);
      },
      flush() {
        onProgress(received, total, true);
      },
    }),
  );
  return new Response(counted).json();
}

export const api = {
  studies: () => getJson('api/studies'),
  // compact=1: the server may send each parameter's distribution once, at top level, instead of
  // in every trial (docs/dashboard.md, API); both answers are handled (StudyData.merge).
  trials: (id, since, onProgress) =>
    onProgress
      ? getJsonWithProgress(`api/studies/${id}/trials?since=${since}&compact=1`, onProgress)
      : getJson(`api/studies/${id}/trials?since=${since}&compact=1`),
  importance: (id, evaluator, objective) =>
    getJson(`api/studies/${id}/importance?evaluator=${encodeURIComponent(evaluator)}&objective=${objective}`),
  pareto: (id) => getJson(`api/studies/${id}/pareto`),
  log: (id, number, stream, tailBytes) =>
    getJson(`api/studies/${id}/trials/${number}/log?stream=${stream}&tail_bytes=${tailBytes}`),
  exportUrl: (id, format) => `api/studies/${id}/export?format=${format}`,
};
