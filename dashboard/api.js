// Talking to /api/v1: JSON reads, and live updates over SSE with a polling fallback for networks
// (or proxies) that break long-lived connections — exactly the conditions this tool watches for.
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function getJSON(path, { signal } = {}) {
  // no-cache: always revalidate (ETag makes that a cheap 304), so a live update never reads a stale copy.
  const res = await fetch(path, { headers: { accept: "application/json" }, cache: "no-cache", signal });
  if (!res.ok) throw new ApiError(res.status, `${res.status} ${res.statusText} for ${path}`);
  return res.json();
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

const POLL_MS = 30_000;
const SSE_RETRY_MS = 120_000;

/**
 * Calls onChange() when the server says something changed (SSE `incident` / `regions` events), or every
 * 30 s while SSE is unavailable. onMode(mode) reports "sse" | "polling" | "connecting" for the footer.
 * Returns stop().
 */
export function watchChanges(onChange, onMode, { eventsUrl = "/api/v1/events", EventSourceImpl = globalThis.EventSource } = {}) {
  let es = null;
  let pollTimer = null;
  let retryTimer = null;
  let stopped = false;

  const startPolling = () => {
    onMode("polling");
    if (!pollTimer) pollTimer = setInterval(onChange, POLL_MS);
    // Try SSE again later: the outage that broke it may be over.
    if (!retryTimer) retryTimer = setTimeout(() => { retryTimer = null; connect(); }, SSE_RETRY_MS);
  };

  const connect = () => {
    if (stopped) return;
    if (!EventSourceImpl) return startPolling();
    onMode("connecting");
    es = new EventSourceImpl(eventsUrl);
    let first = true;
    es.addEventListener("open", () => {
      first = true;
      clearInterval(pollTimer);
      pollTimer = null;
      onMode("sse");
    });
    es.addEventListener("incident", () => onChange());
    // The server opens every stream with the current regions; the page has just rendered those.
    es.addEventListener("regions", () => (first ? (first = false) : onChange()));
    es.addEventListener("error", () => {
      // EventSource retries by itself, but a proxy that buffers or drops the stream would leave the page
      // silently stale; polling keeps it honest until SSE comes back.
      es?.close();
      es = null;
      startPolling();
    });
  };

  connect();
  return () => {
    stopped = true;
    es?.close();
    clearInterval(pollTimer);
    clearTimeout(retryTimer);
  };
}
