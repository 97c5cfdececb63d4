// PostgreSQL migration 6: per-target minute stats read from the live measurement rows (target-minutes.ts);
// rollups_minute keeps only the minute sums of measurements that retention removed. No measurement row is
// rewritten; what takes time on a big database is one pass over the measurement rows with ids (summed per
// key-minute) and deleting the minute rows they make redundant.
//
// Which stored minute rows go, per key-minute (the 7 key columns and the minute), with L the live rows' sums
// and R the sum of its rollups_minute rows (rows are appended since migration 5, so a key may have several):
// - no live row: R is the minute of removed measurements; kept.
// - R total = L total: every measurement of the minute is live; deleted.
// - R total > L total: the boundary partition's row-level DELETE (partitions.ts) split the minute: some of its
//   measurements are gone, the others live. Replaced by one row R - L (the gone ones' sums; last_ms stays R's,
//   so MAX(last_ms) over both answers as before). Counts subtract exactly; float sums may differ from the
//   original in their last bits ((a + b) - b), which readers compare with a tolerance anyway. Chosen over
//   "delete only if the sums match" because that would leave the split minute counted twice.
// - no minute row at all although live rows exist: its minute rows were pruned (retention.targetMinuteDays
//   shorter than rawDays); such minutes are the oldest (pruning goes by time), so the horizon moves past
//   them: those live rows do not answer minute reads, as before.
// - 0 < R total < L total cannot happen with rows written by the store; deleted (the live rows answer).
import { SUM_COLUMNS } from "../rollup-deltas.js";
import { MINUTE_KEY, liveMinuteSums } from "./target-minutes.js";

/** Smallest safe integer: "no horizon" (every live row is a minute stat). */
export const NO_HORIZON_MS = -9007199254740991;

const KEY = MINUTE_KEY.join(", ");
const INT_SUMS = SUM_COLUMNS.filter((c) => !c.endsWith("_sum"));
/** Stored minute rows and live rows of the same key-minute (aliases s and l). */
export const KEY_JOIN = MINUTE_KEY.map((c) => `s.${c} = l.${c}`).join(" AND ");

/** One row per key-minute of a table shaped like rollups_minute: its rows' sums (zero where NULL). */
export function storedKeyMinutes(table: string): string {
  return `SELECT ${KEY}, MAX(category_ref) AS category_ref, ${SUM_COLUMNS.map((c) => `SUM(COALESCE(${c}, 0)) AS ${c}`).join(", ")},
    MAX(last_ms) AS last_ms FROM ${table} GROUP BY ${KEY}`;
}

/** One row per key-minute of the counted live measurement rows matching `where` (categories summed together;
 * `series: false` before PostgreSQL migration 7, as when this migration runs). */
export function liveKeyMinutes(where: string, series = true): string {
  return `SELECT ${KEY}, ${SUM_COLUMNS.map((c) => `SUM(${c}) AS ${c}`).join(", ")}
    FROM (${liveMinuteSums("measurements", where, series)}) m GROUP BY ${KEY}`;
}

/**
 * INSERT into rollups_minute of stored key-minutes (s) minus their live rows' sums (l, absent when none):
 * zero as NULL, a float sum whose count became zero is zero (not a rounding residue). Only key-minutes with
 * more stored than live measurements, i.e. those of measurements no longer live.
 */
export function insertStoredMinusLive(stored: string, live: string): string {
  const difference = SUM_COLUMNS.map((c) => {
    if (INT_SUMS.includes(c)) return `NULLIF(GREATEST(s.${c} - COALESCE(l.${c}, 0), 0), 0)`;
    const count = c.replace("_sum", "_count");
    return `CASE WHEN s.${count} - COALESCE(l.${count}, 0) > 0 THEN NULLIF(s.${c} - COALESCE(l.${c}, 0), 0) END`;
  }).join(", ");
  return `INSERT INTO rollups_minute (${KEY}, category_ref, ${SUM_COLUMNS.join(", ")}, last_ms)
    SELECT ${MINUTE_KEY.map((c) => `s.${c}`).join(", ")}, s.category_ref, ${difference}, s.last_ms
    FROM ${stored} s LEFT JOIN ${live} l ON ${KEY_JOIN} WHERE s.total > COALESCE(l.total, 0)`;
}

export const DERIVED_MIGRATION_SQL = `
  CREATE TABLE target_minute_horizon (since_ms bigint NOT NULL);

  CREATE TEMP TABLE kw_live ON COMMIT DROP AS ${liveKeyMinutes("TRUE", false)};
  CREATE TEMP TABLE kw_stored ON COMMIT DROP AS ${storedKeyMinutes("rollups_minute")};
  CREATE INDEX ON kw_stored (${KEY});
  ANALYZE kw_live;
  ANALYZE kw_stored;

  -- Live minutes whose minute rows were pruned, older than every live minute that still has its rows.
  INSERT INTO target_minute_horizon
    SELECT COALESCE(MAX(l.bucket) * 1000 + 60000, ${NO_HORIZON_MS}) FROM kw_live l
    WHERE NOT EXISTS (SELECT 1 FROM kw_stored s WHERE ${KEY_JOIN})
      AND l.bucket < COALESCE((SELECT MIN(l.bucket) FROM kw_live l JOIN kw_stored s ON ${KEY_JOIN}), 9007199254740991);

  DELETE FROM rollups_minute s USING kw_live l WHERE ${KEY_JOIN};
  ${insertStoredMinusLive("kw_stored", "kw_live")} AND l.bucket IS NOT NULL;
`;
