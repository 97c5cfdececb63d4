// The backend-free half of reading stats (targetStats / networkStats), shared by SQLite
// (sqlite-target-stats.ts) and PostgreSQL (postgres/stats.ts): which source answers a bucket width, and
// how a result row — [bucket start s, ...grain columns, ...SUM_COLUMNS, last_ms], numbers or the driver's
// numeric strings — becomes a TargetStatsRow or NetworkStatsRow.
import type { NetworkStatsRow, TargetStatsRow } from "./store.js";

export type StatsSource = "rollups_hour" | "rollups_minute" | "measurements";

/** Width in seconds of one stored bucket of each rollup source. */
export const NATIVE_SECONDS = { rollups_hour: 3600, rollups_minute: 60 } as const;

/** The cheapest source with the width: hour rollups for multiples of 3600 s, minute rollups of 60 s, else raw rows. */
export function statsSource(bucketSeconds: number): StatsSource {
  if (!Number.isInteger(bucketSeconds) || bucketSeconds < 1) {
    throw new RangeError(`bucketSeconds must be a positive whole number of seconds, got ${bucketSeconds}`);
  }
  if (bucketSeconds % 3600 === 0) return "rollups_hour";
  if (bucketSeconds % 60 === 0) return "rollups_minute";
  return "measurements";
}

/** First multiple of step at or after t. */
export function alignUp(t: number, step: number): number {
  return Math.ceil(t / step) * step;
}

/** Result rows as arrays (half the cost of row objects). */
export type StatsResultRow = unknown[];

/** Many rows of one read share a bucket start (and often a last time): format each instant once. */
export class IsoCache {
  private readonly seen = new Map<number, string>();

  of(ms: number): string {
    let s = this.seen.get(ms);
    if (s === undefined) {
      s = new Date(ms).toISOString();
      this.seen.set(ms, s);
    }
    return s;
  }
}

/** The summed columns every stats row ends with, read from `at` (the index of `total`) onwards. */
function sums(r: StatsResultRow, at: number, iso: IsoCache) {
  const n = (i: number) => Number(r[at + i]);
  return {
    total: n(0),
    ok: n(1),
    blocked: { dns: n(3), tcp: n(4), tls: n(5), "http-failure": n(6), "http-diff": n(7) },
    down: n(2),
    dnsFailures: n(8),
    throughputSum: n(9),
    throughputCount: n(10),
    tlsHandshakeSum: n(11),
    tlsHandshakeCount: n(12),
    lastAt: iso.of(n(13)),
  };
}

export function toTargetStatsRow(r: StatsResultRow, iso: IsoCache): TargetStatsRow {
  return {
    bucketStart: iso.of(Number(r[0]) * 1000),
    region: r[1] as string,
    network: r[2] as string,
    probeId: r[3] as string,
    role: r[4] as TargetStatsRow["role"],
    url: r[5] as string,
    list: r[6] as TargetStatsRow["list"],
    category: r[7] as string,
    ...sums(r, 8, iso),
  };
}

export function toNetworkStatsRow(r: StatsResultRow, iso: IsoCache): NetworkStatsRow {
  return {
    bucketStart: iso.of(Number(r[0]) * 1000),
    region: r[1] as string,
    network: r[2] as string,
    role: r[3] as NetworkStatsRow["role"],
    list: r[4] as NetworkStatsRow["list"],
    ...sums(r, 5, iso),
  };
}
