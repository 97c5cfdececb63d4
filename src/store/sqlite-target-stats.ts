// Reading rollup rows back from SQLite, from the cheapest source that has the requested bucket width:
// hour rollups for multiples of 3600 s, minute rollups for multiples of 60 s, and the raw measurements for
// anything finer (detector windows of 5-30 s in labs and tests), which only reaches back as far as raw
// retention. Every path returns the same rows for the same data: a bucket is "in range" when its start is
// in [since, until), and rows are grouped and ordered alike. Two grains: per target (TargetStatsRow) and per
// network (NetworkStatsRow, summed over probes and targets, from their own smaller tables).
import type { Database, Statement } from "better-sqlite3";
import { BLOCKED_COLUMNS, SUM_COLUMNS } from "./sqlite-rollups.js";
import type { NameTable } from "./sqlite-names.js";
import type { NetworkStatsRow, TargetStatsQuery, TargetStatsRow } from "./store.js";
import { alignUp, IsoCache, NATIVE_SECONDS, statsSource, toNetworkStatsRow, toTargetStatsRow, type StatsResultRow,
  type StatsSource } from "./stats-rows.js";

type Grain = "target" | "network";

// Per-target tables and the raw rows hold name ids (schema version 6): they are read by id, mapped to their
// names here and sorted like the string-keyed network tables, which SQLite orders itself.
const GRAINS = {
  target: {
    refColumns: "region_ref, network_ref, probe_ref, role_ref, url_ref, list_ref, category_ref",
    refGroup: "region_ref, network_ref, probe_ref, list_ref, url_ref, role_ref, category_ref",
    /** Indexes (in a result row) of the sort key after b: region, network, probe, list, url, role, category. */
    sortBy: [1, 2, 3, 6, 5, 4, 7],
    names: 7,
    tables: { rollups_hour: "rollups_hour", rollups_minute: "rollups_minute" },
  },
  network: {
    columns: "region, network, role, list",
    order: "region, network, role, list",
    refColumns: "region_ref, network_ref, role_ref, list_ref",
    refGroup: "region_ref, network_ref, role_ref, list_ref",
    sortBy: [1, 2, 3, 4],
    names: 4,
    tables: { rollups_hour: "network_rollups_hour", rollups_minute: "network_rollups_minute" },
  },
} as const;

// Rollup tables are keyed region first; without a region, seek once per known region rather than scan the
// table. last_seen gets a row for every region in the same transaction that writes its rollups.
const EVERY_REGION = "region IN (SELECT DISTINCT region FROM last_seen)";
const EVERY_REGION_REF = "region_ref IN (SELECT id FROM names WHERE name IN (SELECT DISTINCT region FROM last_seen))";

/** Rollup tables store bucket starts in epoch seconds; @bs is the requested width in seconds. */
function rollupSql(grain: Grain, source: "rollups_hour" | "rollups_minute", byRegion: boolean, grouped: boolean): string {
  const g = GRAINS[grain];
  const byRef = grain === "target";
  const region = byRef ? (byRegion ? "region_ref = @region" : EVERY_REGION_REF) : (byRegion ? "region = @region" : EVERY_REGION);
  const where = `${region} AND bucket >= @since AND bucket < @until`;
  const columns = byRef ? g.refColumns : GRAINS.network.columns;
  // By-id rows are sorted after mapping ids to names (sortRows); string rows here.
  const order = byRef ? "b" : `b, ${GRAINS.network.order}`;
  // Per-target tables keep the newest time as ms after the bucket's start.
  const last = byRef ? "bucket * 1000 + last_offset_ms" : "last_ms";
  if (!grouped) {
    // The requested width is the stored one: each stored row is one result row, no re-grouping.
    return `SELECT bucket AS b, ${columns}, ${SUM_COLUMNS.join(", ")}, ${last}
      FROM ${g.tables[source]} WHERE ${where} ORDER BY ${order}`;
  }
  // `%` works on integers whatever type the bound width has, so b stays an exact integer.
  return `SELECT bucket - bucket % @bs AS b, ${columns},
      ${SUM_COLUMNS.map((c) => `SUM(${c})`).join(", ")}, MAX(${last})
    FROM ${g.tables[source]} WHERE ${where}
    GROUP BY b, ${byRef ? g.refGroup : GRAINS.network.columns} ORDER BY ${order}`;
}

/** The same sums computed from the raw rows' fact columns (times in ms; @bsms is the width in ms). */
function rawSql(grain: Grain, byRegion: boolean): string {
  const g = GRAINS[grain];
  const blocked = Object.keys(BLOCKED_COLUMNS).map((kind) => `SUM(accessible = 0 AND blocking IS '${kind}')`);
  return `SELECT (started_ms - started_ms % @bsms) / 1000 AS b, ${g.refColumns},
      COUNT(*), SUM(accessible), SUM(accessible = 0 AND blocking IS NULL), ${blocked.join(", ")},
      SUM(dns_failure IS NOT NULL), TOTAL(bytes_per_second), COUNT(bytes_per_second),
      TOTAL(tls_handshake_time), COUNT(tls_handshake_time), MAX(started_ms)
    FROM measurements
    WHERE ${byRegion ? "region_ref = @region AND " : ""}started_ms >= @since AND started_ms < @until AND local_failure = 0
    GROUP BY b, ${g.refGroup}`;
}

/** Replaces the name ids of each row (indexes 1..n) by their names and sorts by b, then the grain's key. */
function sortRows(rows: RawRow[], grain: Grain, names: NameTable): RawRow[] {
  const g = GRAINS[grain];
  for (const r of rows) for (let i = 1; i <= g.names; i++) r[i] = names.name(r[i] as number);
  const keys = g.sortBy;
  return rows.sort((a, b) => {
    if (a[0] !== b[0]) return (a[0] as number) - (b[0] as number);
    for (const k of keys) {
      const x = a[k] as string;
      const y = b[k] as string;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
}

type RawRow = StatsResultRow;

/** Holds one prepared statement per grain x source x region filter x grouping, reused by every call. */
export class TargetStatsReader {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database, private readonly names: NameTable) {}

  private rows(grain: Grain, q: TargetStatsQuery, source: StatsSource): RawRow[] {
    const byRegion = q.region !== undefined;
    const byRef = grain === "target" || source === "measurements";
    let region: string | number | undefined = q.region;
    if (byRegion && byRef) {
      region = this.names.find(q.region!) ?? undefined;
      // A region never stored has no rows.
      if (region === undefined) return [];
    }
    const grouped = source === "measurements" || q.bucketSeconds !== NATIVE_SECONDS[source];
    const key = `${grain}/${source}/${byRegion}/${grouped}`;
    let stmt = this.statements.get(key);
    if (!stmt) {
      stmt = this.db.prepare(source === "measurements" ? rawSql(grain, byRegion) : rollupSql(grain, source, byRegion, grouped))
        .raw(true);
      this.statements.set(key, stmt);
    }
    const widthMs = q.bucketSeconds * 1000;
    const params: Record<string, string | number> = source === "measurements"
      ? { bsms: widthMs, since: alignUp(q.since.getTime(), widthMs), until: alignUp(q.until.getTime(), widthMs) }
      : {
        // Stored buckets are minutes or hours; a stored bucket is in range when its own start is.
        since: Math.ceil(q.since.getTime() / 1000),
        until: Math.ceil(q.until.getTime() / 1000),
      };
    if (grouped && source !== "measurements") params.bs = q.bucketSeconds;
    if (byRegion) params.region = region!;
    const rows = stmt.all(params) as RawRow[];
    return byRef ? sortRows(rows, grain, this.names) : rows;
  }

  read(q: TargetStatsQuery, source: StatsSource = statsSource(q.bucketSeconds)): TargetStatsRow[] {
    const iso = new IsoCache();
    return this.rows("target", q, source).map((r) => toTargetStatsRow(r, iso));
  }

  readNetworks(q: TargetStatsQuery, source: StatsSource = statsSource(q.bucketSeconds)): NetworkStatsRow[] {
    const iso = new IsoCache();
    return this.rows("network", q, source).map((r) => toNetworkStatsRow(r, iso));
  }
}
