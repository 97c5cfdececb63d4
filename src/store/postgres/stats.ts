// Reading rollup rows back from PostgreSQL, from the cheapest source that has the requested width (the
// same choice as ../sqlite-target-stats.ts: hour rollups for multiples of 3600 s, minute rollups for
// multiples of 60 s, raw measurements for anything finer). Same buckets, same grouping, same order.
import type pg from "pg";
import { BLOCKED_COLUMNS, SUM_COLUMNS } from "../rollup-deltas.js";
import { statsSource, type StatsSource } from "../sqlite-target-stats.js";
import type { NetworkStatsRow, TargetStatsQuery, TargetStatsRow } from "../store.js";

type Grain = "target" | "network";

const GRAINS = {
  target: {
    columns: "region, network, probe_id, role, url, list, category",
    group: "region, network, probe_id, list, url, role, category",
    order: "region, network, probe_id, list, url, role",
    tables: { rollups_hour: "rollups_hour", rollups_minute: "rollups_minute" },
  },
  network: {
    columns: "region, network, role, list",
    group: "region, network, role, list",
    order: "region, network, role, list",
    tables: { rollups_hour: "network_rollups_hour", rollups_minute: "network_rollups_minute" },
  },
} as const;

const NATIVE_SECONDS = { rollups_hour: 3600, rollups_minute: 60 } as const;
const INT_SUMS = new Set(SUM_COLUMNS.filter((c) => !c.endsWith("_sum")));

// Rollup keys are region first: without a region, one index range per known region.
const EVERY_REGION = "region IN (SELECT region FROM last_seen GROUP BY region)";

/** $1 since, $2 until, $3 width (only when re-grouping), region last. */
function rollupSql(grain: Grain, source: "rollups_hour" | "rollups_minute", byRegion: boolean, grouped: boolean): string {
  const g = GRAINS[grain];
  const region = byRegion ? `region = $${grouped ? 4 : 3}` : EVERY_REGION;
  const where = `${region} AND bucket >= $1 AND bucket < $2`;
  if (!grouped) {
    return `SELECT bucket AS b, ${g.columns}, ${SUM_COLUMNS.join(", ")}, last_ms
      FROM ${g.tables[source]} WHERE ${where} ORDER BY b, ${g.order}`;
  }
  const sums = SUM_COLUMNS.map((c) => (INT_SUMS.has(c) ? `SUM(${c})::int8` : `SUM(${c})`));
  return `SELECT bucket - bucket % $3 AS b, ${g.columns}, ${sums.join(", ")}, MAX(last_ms)
    FROM ${g.tables[source]} WHERE ${where}
    GROUP BY b, ${g.group} ORDER BY b, ${g.order}`;
}

/** From the raw rows: $1 since ms, $2 until ms, $3 width ms, $4 region. */
function rawSql(grain: Grain, byRegion: boolean): string {
  const g = GRAINS[grain];
  const blocked = Object.keys(BLOCKED_COLUMNS).map((kind) => `COUNT(*) FILTER (WHERE NOT accessible AND blocking = '${kind}')`);
  return `SELECT (started_ms - started_ms % $3) / 1000 AS b, ${g.columns},
      COUNT(*), COUNT(*) FILTER (WHERE accessible), COUNT(*) FILTER (WHERE NOT accessible AND blocking IS NULL),
      ${blocked.join(", ")}, COUNT(dns_failure), COALESCE(SUM(bytes_per_second), 0), COUNT(bytes_per_second),
      COALESCE(SUM(tls_handshake_time), 0), COUNT(tls_handshake_time), MAX(started_ms)
    FROM measurements
    WHERE ${byRegion ? "region = $4 AND " : ""}started_ms >= $1 AND started_ms < $2 AND NOT local_failure
    GROUP BY b, ${g.group} ORDER BY b, ${g.order}`;
}

function alignUp(t: number, step: number): number {
  return Math.ceil(t / step) * step;
}

type RawRow = unknown[];

export class PgStatsReader {
  constructor(private readonly pool: pg.Pool) {}

  async rows(grain: Grain, q: TargetStatsQuery, source: StatsSource = statsSource(q.bucketSeconds)): Promise<RawRow[]> {
    const byRegion = q.region !== undefined;
    const grouped = source === "measurements" || q.bucketSeconds !== NATIVE_SECONDS[source];
    const text = source === "measurements" ? rawSql(grain, byRegion) : rollupSql(grain, source, byRegion, grouped);
    const widthMs = q.bucketSeconds * 1000;
    const values: unknown[] = source === "measurements"
      ? [alignUp(q.since.getTime(), widthMs), alignUp(q.until.getTime(), widthMs), widthMs]
      : [Math.ceil(q.since.getTime() / 1000), Math.ceil(q.until.getTime() / 1000), ...(grouped ? [q.bucketSeconds] : [])];
    if (byRegion) values.push(q.region);
    const name = `kw_stats_${grain}_${source}_${byRegion}_${grouped}`;
    const res = await this.pool.query({ name, text, values, rowMode: "array" });
    return res.rows as RawRow[];
  }

  async read(q: TargetStatsQuery, source?: StatsSource): Promise<TargetStatsRow[]> {
    const iso = new IsoCache();
    return (await this.rows("target", q, source)).map((r) => ({
      bucketStart: iso.of(Number(r[0]) * 1000),
      region: r[1] as string,
      network: r[2] as string,
      probeId: r[3] as string,
      role: r[4] as TargetStatsRow["role"],
      url: r[5] as string,
      list: r[6] as TargetStatsRow["list"],
      category: r[7] as string,
      ...sums(r, 8, iso),
    }));
  }

  async readNetworks(q: TargetStatsQuery, source?: StatsSource): Promise<NetworkStatsRow[]> {
    const iso = new IsoCache();
    return (await this.rows("network", q, source)).map((r) => ({
      bucketStart: iso.of(Number(r[0]) * 1000),
      region: r[1] as string,
      network: r[2] as string,
      role: r[3] as NetworkStatsRow["role"],
      list: r[4] as NetworkStatsRow["list"],
      ...sums(r, 5, iso),
    }));
  }
}

class IsoCache {
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

function sums(r: RawRow, at: number, iso: IsoCache) {
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
