// Reading rollup rows back from PostgreSQL, from the cheapest source that has the requested width (the
// same choice as ../sqlite-target-stats.ts: hour rollups for multiples of 3600 s, minute rollups for
// multiples of 60 s, raw measurements for anything finer). Same buckets, same grouping, same order.
import type pg from "pg";
import { BLOCKED_COLUMNS, SUM_COLUMNS } from "../rollup-deltas.js";
import { alignUp, IsoCache, NATIVE_SECONDS, statsSource, toNetworkStatsRow, toTargetStatsRow, type StatsResultRow,
  type StatsSource } from "../stats-rows.js";
import type { NetworkStatsRow, TargetStatsQuery, TargetStatsRow } from "../store.js";
import { HORIZON_MS, MINUTE_GROUP, liveMinuteSums, minuteCeilMs } from "./target-minutes.js";
import { withSeries } from "./series.js";

type Grain = "target" | "network";
type Source = "rollups_hour" | "rollups_minute";

const TARGET_COLUMNS = "region, network, probe_id, role, url, list, category";
const GRAINS = {
  target: {
    columns: TARGET_COLUMNS,
    group: "region, network, probe_id, list, url, role, category",
    order: "region, network, probe_id, list, url, role",
  },
  network: {
    columns: "region, network, role, list",
    group: "region, network, role, list",
    order: "region, network, role, list",
  },
} as const;

const INT_SUMS = new Set(SUM_COLUMNS.filter((c) => !c.endsWith("_sum")));
const ROW_SUMS = `${SUM_COLUMNS.join(", ")}, last_ms`;

// Rollup keys are region first (per-target minute rows: (bucket, region_ref), the region checked in the index):
// without a region, one index range per known region.
const EVERY_REGION = "region IN (SELECT region FROM last_seen GROUP BY region)";
const EVERY_REGION_REF = "region_ref IN (SELECT id FROM names WHERE name IN (SELECT region FROM last_seen GROUP BY region))";

/** The name columns of a row keyed by ids (names.ts), under their text names. */
const NAMED = { region: "region_ref", network: "network_ref", probe_id: "probe_ref", role: "role_ref", url: "url_ref",
  list: "list_ref", category: "category_ref" } as const;
const NAME_JOINS = Object.entries(NAMED).map(([col, ref]) => `JOIN names n_${col} ON n_${col}.id = t.${ref}`).join(" ");
const NAME_SELECT = Object.keys(NAMED).map((col) => `n_${col}.name AS ${col}`).join(", ");

/**
 * The rows of one rollup source in one shape (bucket, names, sums, last_ms): per-target rows by name id
 * joined with their names, and while rows from before PostgreSQL migration 4 remain, those of the renamed
 * legacy_* table beside them. $1 since, $2 until, region (if any) at `regionParam`.
 */
function sourceRows(grain: Grain, source: Source, regionParam: string | null, legacy: boolean): string {
  const range = "bucket >= $1 AND bucket < $2";
  if (grain === "network") {
    return `SELECT bucket, ${GRAINS.network.columns}, ${ROW_SUMS} FROM network_${source}
      WHERE ${regionParam ? `region = ${regionParam}` : EVERY_REGION} AND ${range}`;
  }
  const region = regionParam ? `t.region_ref = (SELECT id FROM names WHERE name = ${regionParam})` : `t.${EVERY_REGION_REF}`;
  // A zero sum is stored as NULL there.
  const stored = SUM_COLUMNS.map((c) => `COALESCE(t.${c}, 0) AS ${c}`).join(", ");
  let current = `SELECT t.bucket, ${NAME_SELECT}, ${stored}, t.last_ms FROM ${source} t ${NAME_JOINS} WHERE ${region} AND t.${range}`;
  if (source === "rollups_minute") {
    // Since PostgreSQL migration 6 (target-minutes.ts): live measurement rows summed per minute (and id, the
    // names joined once per group), beside the minute rows of measurements retention removed. Minutes whose
    // start is in [$1, $2) s, not before the horizon; a region's time range in the (started_ms, region_ref) index.
    const liveRegion = regionParam ? `region_ref = (SELECT id FROM names WHERE name = ${regionParam})` : "TRUE";
    const live = liveMinuteSums("measurements", `${liveRegion}
      AND started_ms >= GREATEST(${minuteCeilMs("$1::int8")}, ${HORIZON_MS}) AND started_ms < ${minuteCeilMs("$2::int8")}`);
    const group = MINUTE_GROUP.join(", ");
    current = `SELECT t.bucket, ${NAME_SELECT}, ${SUM_COLUMNS.map((c) => `t.${c}`).join(", ")}, t.last_ms
      FROM (${live} UNION ALL SELECT ${group}, ${stored}, t.last_ms FROM ${source} t WHERE ${region} AND t.${range}) t ${NAME_JOINS}`;
  }
  if (!legacy) return current;
  return `${current} UNION ALL SELECT bucket, ${TARGET_COLUMNS}, ${ROW_SUMS} FROM legacy_${source}
    WHERE ${regionParam ? `region = ${regionParam}` : EVERY_REGION} AND ${range}`;
}

/** $1 since, $2 until, $3 width (only when re-grouping), region last. */
function rollupSql(grain: Grain, source: Source, byRegion: boolean, grouped: boolean, legacy: boolean): string {
  const g = GRAINS[grain];
  const rows = sourceRows(grain, source, byRegion ? `$${grouped ? 4 : 3}` : null, legacy);
  if (!grouped) {
    return `SELECT bucket AS b, ${g.columns}, ${ROW_SUMS} FROM (${rows}) s ORDER BY b, ${g.order}`;
  }
  const sums = SUM_COLUMNS.map((c) => (INT_SUMS.has(c) ? `SUM(${c})::int8` : `SUM(${c})`));
  return `SELECT bucket - bucket % $3 AS b, ${g.columns}, ${sums.join(", ")}, MAX(last_ms)
    FROM (${rows}) s GROUP BY b, ${g.group} ORDER BY b, ${g.order}`;
}

/** Each fact of a measurement row by name, whichever form the row has (text before migration 4, ids since, most through its series since 7). */
const RAW_NAMED = [...Object.entries(NAMED)].map(([col, ref]) =>
  `COALESCE(m.${col}, (SELECT name FROM names WHERE id = COALESCE(m.${ref}, s.s_${ref}))) AS ${col}`).join(", ");

/** From the raw rows: $1 since ms, $2 until ms, $3 width ms, $4 region. */
function rawSql(grain: Grain, byRegion: boolean): string {
  const g = GRAINS[grain];
  const blocked = Object.keys(BLOCKED_COLUMNS).map((kind) => `COUNT(*) FILTER (WHERE NOT accessible AND blocking = '${kind}')`);
  const region = byRegion ? "(m.region_ref = (SELECT id FROM names WHERE name = $4) OR m.region = $4) AND " : "";
  return `SELECT (started_ms - started_ms % $3) / 1000 AS b, ${g.columns},
      COUNT(*), COUNT(*) FILTER (WHERE accessible), COUNT(*) FILTER (WHERE NOT accessible AND blocking IS NULL),
      ${blocked.join(", ")}, COUNT(dns_failure), COALESCE(SUM(bytes_per_second), 0), COUNT(bytes_per_second),
      COALESCE(SUM(tls_handshake_time), 0), COUNT(tls_handshake_time), MAX(started_ms)
    FROM (SELECT started_ms, accessible, blocking, dns_failure, bytes_per_second, tls_handshake_time, ${RAW_NAMED}
      FROM ${withSeries("measurements m", "m")}
      WHERE ${region}started_ms >= $1 AND started_ms < $2 AND NOT local_failure) s
    GROUP BY b, ${g.group} ORDER BY b, ${g.order}`;
}

type RawRow = StatsResultRow;

export class PgStatsReader {
  /** Whether the renamed per-target tables from before PostgreSQL migration 4 may still hold rows. */
  private legacy = { rollups_minute: true, rollups_hour: true };

  constructor(private readonly pool: pg.Pool) {}

  /** Looks whether the legacy per-target tables still hold rows (they only ever empty: nothing writes them). */
  async checkLegacy(): Promise<void> {
    const { rows } = await this.pool.query<{ m: boolean; h: boolean }>(`SELECT
      EXISTS (SELECT 1 FROM legacy_rollups_minute) AS m, EXISTS (SELECT 1 FROM legacy_rollups_hour) AS h`);
    this.legacy = { rollups_minute: rows[0]!.m, rollups_hour: rows[0]!.h };
  }

  async rows(grain: Grain, q: TargetStatsQuery, source: StatsSource = statsSource(q.bucketSeconds)): Promise<RawRow[]> {
    const byRegion = q.region !== undefined;
    // Rows of one key may sit in both the legacy and the current table: summed together.
    const legacy = source !== "measurements" && grain === "target" && this.legacy[source];
    // Per-target minute rows are appended (PostgreSQL migration 5): a key may have several, always summed.
    const appended = grain === "target" && source === "rollups_minute";
    const grouped = source === "measurements" || legacy || appended || q.bucketSeconds !== NATIVE_SECONDS[source];
    const text = source === "measurements" ? rawSql(grain, byRegion) : rollupSql(grain, source, byRegion, grouped, legacy);
    const widthMs = q.bucketSeconds * 1000;
    const values: unknown[] = source === "measurements"
      ? [alignUp(q.since.getTime(), widthMs), alignUp(q.until.getTime(), widthMs), widthMs]
      : [Math.ceil(q.since.getTime() / 1000), Math.ceil(q.until.getTime() / 1000), ...(grouped ? [q.bucketSeconds] : [])];
    if (byRegion) values.push(q.region);
    const name = `kw_stats_${grain}_${source}_${byRegion}_${grouped}_${legacy}`;
    const res = await this.pool.query({ name, text, values, rowMode: "array" });
    return res.rows as RawRow[];
  }

  async read(q: TargetStatsQuery, source?: StatsSource): Promise<TargetStatsRow[]> {
    const iso = new IsoCache();
    return (await this.rows("target", q, source)).map((r) => toTargetStatsRow(r, iso));
  }

  async readNetworks(q: TargetStatsQuery, source?: StatsSource): Promise<NetworkStatsRow[]> {
    const iso = new IsoCache();
    return (await this.rows("network", q, source)).map((r) => toNetworkStatsRow(r, iso));
  }
}
