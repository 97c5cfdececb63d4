// Per-target minute stats on PostgreSQL since migration 6 (migration-derived.ts). At a 5-minute schedule a
// per-target minute holds one measurement, so a stored minute row only repeated facts its measurement row
// already has as columns. Now each measurement is counted in exactly one place:
// - a LIVE measurement row with ids (written since migration 4) is summed at read time (this file's SQL);
// - once retention removes it, its minute sums are materialized into rollups_minute in the same transaction,
//   if the minute is still inside the per-target minute horizon (partitions.ts);
// - rows from before migration 4 keep their legacy_rollups_minute rows.
// `target_minute_horizon` holds since_ms: live rows that started before it are not per-target minute stats
// any more (pruneTargetMinuteRollups / pruneRollups moved it), exactly as pruned minute rows would be gone.
import type pg from "pg";
import { BLOCKED_COLUMNS, SUM_COLUMNS } from "../rollup-deltas.js";
import { withSeries } from "./series.js";

export const MINUTE_MS = 60_000;

/** The per-target minute key of rollups_minute (category_ref rides along as an attribute). */
export const MINUTE_KEY = ["bucket", "region_ref", "network_ref", "probe_ref", "list_ref", "url_ref", "role_ref"] as const;
/** Key plus category: what live rows are grouped by (a key-minute whose category changed gives two rows, as raw reads do). */
export const MINUTE_GROUP = [...MINUTE_KEY, "category_ref"] as const;

/** The SUM_COLUMNS of a set of measurement rows, as SQL aggregates in SUM_COLUMNS order (named like them). */
export const LIVE_SUMS = [
  "COUNT(*)::int4 AS total",
  "COUNT(*) FILTER (WHERE accessible)::int4 AS ok",
  "COUNT(*) FILTER (WHERE NOT accessible AND blocking IS NULL)::int4 AS down",
  ...Object.entries(BLOCKED_COLUMNS).map(([kind, col]) => `COUNT(*) FILTER (WHERE NOT accessible AND blocking = '${kind}')::int4 AS ${col}`),
  "COUNT(dns_failure)::int4 AS dns_failures",
  "COALESCE(SUM(bytes_per_second), 0) AS throughput_sum",
  "COUNT(bytes_per_second)::int4 AS throughput_count",
  "COALESCE(SUM(tls_handshake_time), 0) AS tls_handshake_sum",
  "COUNT(tls_handshake_time)::int4 AS tls_handshake_count",
].join(", ");

/**
 * Minute sums of the counted measurement rows of `from` (a table, partition or CTE of measurement columns)
 * matching `where`: rows with ids (rows from before migration 4 have their legacy minute rows) and not taken
 * during the volunteer's own outage. Columns: MINUTE_GROUP, SUM_COLUMNS, last_ms. Grouped by the row's ids and
 * series (migration 7, series.ts) first, the series' ids looked up once per group; a key-minute with rows of
 * both forms gives a row for each (summed by every reader). `series: false` for a schema before migration 7.
 */
export function liveMinuteSums(from: string, where: string, series = true): string {
  const refs = ["network_ref", "probe_ref", "list_ref", "url_ref", "role_ref", "category_ref"] as const;
  const grouped = `SELECT (started_ms - started_ms % ${MINUTE_MS}) / 1000 AS bucket, region_ref, ${refs.join(", ")},
      ${series ? "series_ref" : "NULL::int4 AS series_ref"}, ${LIVE_SUMS}, MAX(started_ms) AS last_ms
    FROM ${from} WHERE region_ref IS NOT NULL AND NOT local_failure AND ${where}
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9`;
  if (!series) return `SELECT bucket, region_ref, ${refs.join(", ")}, ${SUM_COLUMNS.join(", ")}, last_ms FROM (${grouped}) g`;
  return `SELECT bucket, region_ref, ${refs.map((c) => `COALESCE(g.${c}, s.s_${c}) AS ${c}`).join(", ")}, ${SUM_COLUMNS.join(", ")}, last_ms
    FROM ${withSeries(`(${grouped}) g`, "g")}`;
}

/** rollups_minute's columns written by materialization: the group, then the sums (zero as NULL), then last_ms. */
const MINUTE_COLUMNS = [...MINUTE_GROUP, ...SUM_COLUMNS, "last_ms"];
const NULL_IF_ZERO = [...MINUTE_GROUP, ...SUM_COLUMNS.map((c) => `NULLIF(${c}, 0)`), "last_ms"];

/** INSERT … SELECT of the minute sums of `from`'s rows matching `where` into rollups_minute (appended). */
export function materializeMinutes(from: string, where: string): string {
  return `INSERT INTO rollups_minute (${MINUTE_COLUMNS.join(", ")})
    SELECT ${NULL_IF_ZERO.join(", ")} FROM (${liveMinuteSums(from, where)}) s`;
}

/** since_ms of the horizon as a scalar subquery. */
export const HORIZON_MS = "(SELECT since_ms FROM target_minute_horizon)";

/** First ms of a minute bucket (seconds) at or after `s` seconds: ceil(s / 60) minutes, as SQL over a bigint. */
export function minuteCeilMs(s: string): string {
  return `((${s} + 59) / 60 * ${MINUTE_MS})`;
}

/**
 * Moves the horizon forward to sinceMs (never back), inside the caller's transaction; returns how many live
 * per-target minutes (as targetStats rows at 60 s) it moved past: minute stats pruned without deleting a row.
 */
export async function advanceHorizon(client: pg.PoolClient, sinceMs: number): Promise<number> {
  const { rows } = await client.query<{ since_ms: string }>("SELECT since_ms FROM target_minute_horizon FOR UPDATE");
  const from = Number(rows[0]!.since_ms);
  if (sinceMs <= from) return 0;
  const counted = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM (SELECT DISTINCT ${MINUTE_GROUP.join(", ")}
    FROM (${liveMinuteSums("measurements", "started_ms >= $1::int8 AND started_ms < $2::int8")}) s) k`, [from, sinceMs]);
  await client.query("UPDATE target_minute_horizon SET since_ms = $1", [sinceMs]);
  return Number(counted.rows[0]!.n);
}
