// After `keepwatch migrate`: asks the real API, built once over the old store and once over the new one,
// the same questions (regions, each configured region's 7-day timeline by hour and last day by minute,
// incidents) at the same clock, and lists every answer that differs. Sums of floats may differ in their
// last bits between two databases (they add in other orders), so numbers compare with a tiny tolerance.
import { createApp } from "../api/app.js";
import { IncidentEventHub } from "../api/incident-events.js";
import type { KeepWatchConfig } from "../config/schema.js";
import { Metrics } from "../metrics/metrics.js";
import type { Store } from "../store/store.js";

export interface ApiDifference {
  path: string;
  detail: string;
}

function appFor(store: Store, config: KeepWatchConfig, now: Date) {
  return createApp({
    store, config,
    metrics: new Metrics({ store, config, clock: () => now, processMetrics: false }),
    incidentEvents: new IncidentEventHub(),
    clock: () => now,
    enqueueResults: async () => {
      throw new Error("read-only: the migration check uploads nothing");
    },
    reportError: () => undefined,
    options: { regionsCacheMs: 0, timelineCacheMs: 0 },
  });
}

/** First difference between two JSON values, or null. */
export function jsonDifference(a: unknown, b: unknown, at = "$"): string | null {
  if (typeof a === "number" && typeof b === "number") {
    const ok = a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
    return ok ? null : `${at}: ${a} ≠ ${b}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${at}: ${a.length} items ≠ ${b.length} items`;
    for (let i = 0; i < a.length; i++) {
      const d = jsonDifference(a[i], b[i], `${at}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = jsonDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${at}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`;
}

/** The API paths compared: what the dashboard and the public API show most. */
export function comparedPaths(config: KeepWatchConfig, now: Date): string[] {
  const week = `since=${new Date(now.getTime() - 7 * 86400_000).toISOString()}&until=${now.toISOString()}`;
  const day = `since=${new Date(now.getTime() - 86400_000).toISOString()}&until=${now.toISOString()}`;
  return [
    "/api/v1/regions",
    ...config.regions.flatMap((r) => [
      `/api/v1/regions/${r.id}/timeline?${week}&bucket=hour`,
      `/api/v1/regions/${r.id}/timeline?${day}&bucket=minute`,
    ]),
    "/api/v1/incidents?limit=500",
    "/api/v1/incidents?status=open&limit=500",
  ];
}

export async function compareApiAnswers(before: Store, after: Store, config: KeepWatchConfig, now: Date): Promise<{ paths: string[]; differences: ApiDifference[] }> {
  const a = appFor(before, config, now);
  const b = appFor(after, config, now);
  const paths = comparedPaths(config, now);
  const differences: ApiDifference[] = [];
  for (const path of paths) {
    const [ra, rb] = [await a.request(path), await b.request(path)];
    if (ra.status !== rb.status) {
      differences.push({ path, detail: `status ${ra.status} ≠ ${rb.status}` });
      continue;
    }
    const d = jsonDifference(await ra.json(), await rb.json());
    if (d) differences.push({ path, detail: d });
  }
  return { paths, differences };
}
