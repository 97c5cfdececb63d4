// Reading TargetStatsRows back from SQLite, from the cheapest source that has the requested bucket width:
// hour rollups for multiples of 3600 s, minute rollups for multiples of 60 s, and the raw measurements for
// anything finer (detector windows of 5-30 s in labs and tests), which only reaches back as far as raw
// retention. Every path returns the same rows for the same data: a bucket is "in range" when its start is
// in [since, until), and rows are grouped and ordered alike.
import type { Database, Statement } from "better-sqlite3";
import { BLOCKED_COLUMNS, BLOCKING_KINDS } from "./sqlite-rollups.js";
import type { TargetStatsQuery, TargetStatsRow } from "./store.js";

export type StatsSource = "rollups_hour" | "rollups_minute" | "measurements";

/** The summed columns of a rollup table, in table order. */
export const SUM_COLUMNS = ["total", "ok", "down", ...Object.values(BLOCKED_COLUMNS), "dns_failures",
  "throughput_sum", "throughput_count", "tls_handshake_sum", "tls_handshake_count"] as const;

interface StatsRow {
  b: number;
  region: string;
  network: string;
  probe_id: string;
  role: "region" | "control";
  url: string;
  list: TargetStatsRow["list"];
  category: string;
  total: number;
  ok: number;
  down: number;
  blocked_dns: number;
  blocked_tcp: number;
  blocked_tls: number;
  blocked_http_failure: number;
  blocked_http_diff: number;
  dns_failures: number;
  throughput_sum: number;
  throughput_count: number;
  tls_handshake_sum: number;
  tls_handshake_count: number;
  last_ms: number;
}

const GROUP_ORDER = `GROUP BY b, region, network, probe_id, list, url, role, category
  ORDER BY b, region, network, probe_id, list, url`;

/** Rollup tables store bucket starts in epoch seconds; @bs is the requested width in seconds. */
function rollupSql(table: "rollups_hour" | "rollups_minute", byRegion: boolean): string {
  // `%` works on integers whatever type the bound width has, so b stays an exact integer.
  return `SELECT bucket - bucket % @bs AS b, region, network, probe_id, role, url, list, category,
      ${SUM_COLUMNS.map((c) => `SUM(${c}) AS ${c}`).join(", ")}, MAX(last_ms) AS last_ms
    FROM ${table}
    WHERE ${byRegion ? "region = @region AND " : ""}bucket >= @since AND bucket < @until
    ${GROUP_ORDER}`;
}

/** The same sums computed from the raw rows' fact columns (times in ms; @bsms is the width in ms). */
function rawSql(byRegion: boolean): string {
  const blocked = Object.entries(BLOCKED_COLUMNS)
    .map(([kind, col]) => `SUM(accessible = 0 AND blocking = '${kind}') AS ${col}`).join(",\n      ");
  return `SELECT (started_ms - started_ms % @bsms) / 1000 AS b, region, network, probe_id, role, url, list, category,
      COUNT(*) AS total, SUM(accessible) AS ok, SUM(accessible = 0 AND blocking IS NULL) AS down,
      ${blocked},
      SUM(dns_failure IS NOT NULL) AS dns_failures,
      TOTAL(bytes_per_second) AS throughput_sum, COUNT(bytes_per_second) AS throughput_count,
      TOTAL(tls_handshake_time) AS tls_handshake_sum, COUNT(tls_handshake_time) AS tls_handshake_count,
      MAX(started_ms) AS last_ms
    FROM measurements
    WHERE ${byRegion ? "region = @region AND " : ""}started_ms >= @since AND started_ms < @until
    ${GROUP_ORDER}`;
}

/** First multiple of step at or after t. */
function alignUp(t: number, step: number): number {
  return Math.ceil(t / step) * step;
}

export function statsSource(bucketSeconds: number): StatsSource {
  if (!Number.isInteger(bucketSeconds) || bucketSeconds < 1) {
    throw new RangeError(`bucketSeconds must be a positive whole number of seconds, got ${bucketSeconds}`);
  }
  if (bucketSeconds % 3600 === 0) return "rollups_hour";
  if (bucketSeconds % 60 === 0) return "rollups_minute";
  return "measurements";
}

/** Holds one prepared statement per source × region filter, reused by every call. */
export class TargetStatsReader {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  private statement(source: StatsSource, byRegion: boolean): Statement {
    const key = `${source}/${byRegion}`;
    let s = this.statements.get(key);
    if (!s) {
      s = this.db.prepare(source === "measurements" ? rawSql(byRegion) : rollupSql(source, byRegion));
      this.statements.set(key, s);
    }
    return s;
  }

  read(q: TargetStatsQuery, source: StatsSource = statsSource(q.bucketSeconds)): TargetStatsRow[] {
    const widthMs = q.bucketSeconds * 1000;
    const params: Record<string, string | number> = source === "measurements"
      ? { bsms: widthMs, since: alignUp(q.since.getTime(), widthMs), until: alignUp(q.until.getTime(), widthMs) }
      : {
        bs: q.bucketSeconds,
        // Stored buckets are minutes or hours; a stored bucket is in range when its own start is.
        since: Math.ceil(q.since.getTime() / 1000),
        until: Math.ceil(q.until.getTime() / 1000),
      };
    if (q.region !== undefined) params.region = q.region;
    const rows = this.statement(source, q.region !== undefined).all(params) as StatsRow[];
    return rows.map(toTargetStatsRow);
  }
}

function toTargetStatsRow(r: StatsRow): TargetStatsRow {
  const blocked: Record<string, number> = {};
  for (const k of BLOCKING_KINDS) blocked[k] = r[BLOCKED_COLUMNS[k]];
  return {
    bucketStart: new Date(r.b * 1000).toISOString(),
    region: r.region,
    network: r.network,
    probeId: r.probe_id,
    role: r.role,
    url: r.url,
    list: r.list,
    category: r.category,
    total: r.total,
    ok: r.ok,
    blocked,
    down: r.down,
    dnsFailures: r.dns_failures,
    throughputSum: r.throughput_sum,
    throughputCount: r.throughput_count,
    tlsHandshakeSum: r.tls_handshake_sum,
    tlsHandshakeCount: r.tls_handshake_count,
    lastAt: new Date(r.last_ms).toISOString(),
  };
}
