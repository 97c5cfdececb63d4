// Rollups for the SQLite store, write side: the deltas of rollup-deltas.ts, upserted with prepared
// statements inside the insert's transaction. Reading is sqlite-target-stats.ts.
import type { Database, Statement } from "better-sqlite3";
import { SUM_COLUMNS, type RollupBatch, type TargetDelta } from "./rollup-deltas.js";

export { BLOCKED_COLUMNS, BLOCKING_KINDS, RollupBatch, SUM_COLUMNS } from "./rollup-deltas.js";

/**
 * Writes the batch's deltas of all four tables; must run inside the insert's transaction. `ref` gives the
 * name id of a string (the per-target tables are keyed by name ids, schema version 6); they keep the newest
 * time as ms after the bucket's start.
 */
export function flushRollups(batch: RollupBatch, upserts: RollupUpserts, ref: (name: string) => number): void {
  const d = batch.take();
  const refs = (c: TargetDelta["cols"]) => [ref(c[0]), c[1], ref(c[2]), ref(c[3]), ref(c[4]), ref(c[5]), ref(c[6]), ref(c[7])];
  const offset = (x: TargetDelta) => x.sums.lastMs - x.cols[1] * 1000;
  for (const x of d.minute) upserts.minute.run(...refs(x.cols), ...x.sums.v, offset(x));
  for (const x of d.hour) upserts.hour.run(...refs(x.cols), ...x.sums.v, offset(x));
  for (const x of d.networkMinute) upserts.networkMinute.run(...x.cols, ...x.sums.v, x.sums.lastMs);
  for (const x of d.networkHour) upserts.networkHour.run(...x.cols, ...x.sums.v, x.sums.lastMs);
}

export interface RollupUpserts {
  minute: Statement;
  hour: Statement;
  networkMinute: Statement;
  networkHour: Statement;
}

function prepareUpsert(db: Database, table: string, key: readonly string[], attrs: readonly string[], last: string): Statement {
  const cols = [...key, ...attrs, ...SUM_COLUMNS, last];
  return db.prepare(`INSERT INTO ${table} (${cols.join(", ")})
    VALUES (${cols.map(() => "?").join(", ")})
    ON CONFLICT (${key.join(", ")}) DO UPDATE SET
      ${SUM_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")},
      ${last} = MAX(${last}, excluded.${last})`);
}

// Role is part of the key (schema version 3): control and region rows are never summed together. Per-target
// tables hold name ids (schema version 6), network tables the strings.
const TARGET_KEY = ["region_ref", "bucket", "network_ref", "probe_ref", "list_ref", "url_ref", "role_ref"] as const;
const NETWORK_KEY = ["region", "bucket", "network", "role", "list"] as const;

export function prepareRollupUpserts(db: Database): RollupUpserts {
  return {
    minute: prepareUpsert(db, "rollups_minute", TARGET_KEY, ["category_ref"], "last_offset_ms"),
    hour: prepareUpsert(db, "rollups_hour", TARGET_KEY, ["category_ref"], "last_offset_ms"),
    networkMinute: prepareUpsert(db, "network_rollups_minute", NETWORK_KEY, [], "last_ms"),
    networkHour: prepareUpsert(db, "network_rollups_hour", NETWORK_KEY, [], "last_ms"),
  };
}
