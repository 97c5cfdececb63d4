// The region page's time range: a preset (?range=1h|6h|24h|7d|30d) or a custom one (?since=&until=, UTC),
// and the zoom link that frames one incident with a margin either side.
import { parseInstant, urlInstant } from "./url-state.js";

export const PRESETS = { "1h": 1, "6h": 6, "24h": 24, "7d": 168, "30d": 720 };
/** The timeline API allows minute buckets for up to 2 days. */
const MINUTE_BUCKETS_UP_TO_MS = 48 * 3_600_000;
const MAX_MS = 400 * 86_400_000;

/** { since, until, bucket, preset | null, custom, bad } from the page's query; `now` for tests. */
export function resolveRange(search, now = Date.now()) {
  const since = parseInstant(search.get("since"));
  const until = parseInstant(search.get("until")) ?? (since ? new Date(now) : null);
  if (since && until) {
    const span = until.getTime() - since.getTime();
    if (span > 0 && span <= MAX_MS) return { since, until, bucket: span <= MINUTE_BUCKETS_UP_TO_MS ? "minute" : "hour", preset: null, custom: true, bad: false };
  }
  const bad = Boolean(search.get("since") || search.get("until"));
  const preset = PRESETS[search.get("range")] ? search.get("range") : "24h";
  const ms = PRESETS[preset] * 3_600_000;
  return { since: new Date(now - ms), until: new Date(now), bucket: ms <= MINUTE_BUCKETS_UP_TO_MS ? "minute" : "hour", preset, custom: false, bad };
}

/** Query parameters that frame an incident: a quarter of its length (at least 30 min) either side. */
export function zoomParams(inc, now = Date.now()) {
  const from = new Date(inc.startedAt).getTime();
  const to = inc.endedAt ? new Date(inc.endedAt).getTime() : now;
  const margin = Math.max(30 * 60_000, (to - from) / 4);
  return {
    range: null,
    since: urlInstant(new Date(from - margin)),
    until: urlInstant(new Date(Math.min(now, to + margin))),
    network: inc.network ?? undefined,
  };
}
