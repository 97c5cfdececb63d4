// Rollups for the SQLite store, write side: the deltas of rollup-deltas.ts, upserted with prepared
// statements inside the insert's transaction. Reading is sqlite-target-stats.ts.
import type { Database, Statement } from "better-sqlite3";
import { SUM_COLUMNS, type RollupBatch } from "./rollup-deltas.js";

export { BLOCKED_COLUMNS, BLOCKING_KINDS, RollupBatch, SUM_COLUMNS } from "./rollup-deltas.js";

/** Writes the batch's deltas of all four tables; must run inside the insert's transaction. */
export function flushRollups(batch: RollupBatch, upserts: RollupUpserts): void {
  const d = batch.take();
  for (const x of d.minute) upserts.minute.run(...x.cols, ...x.sums.v, x.sums.lastMs);
  for (const x of d.hour) upserts.hour.run(...x.cols, ...x.sums.v, x.sums.lastMs);
  for (const x of d.networkMinute) upserts.networkMinute.run(...x.cols, ...x.sums.v, x.sums.lastMs);
  for (const x of d.networkHour) upserts.networkHour.run(...x.cols, ...x.sums.v, x.sums.lastMs);
}

export interface RollupUpserts {
  minute: Statement;
  hour: Statement;
  networkMinute: Statement;
  networkHour: Statement;
}

function prepareUpsert(db: Database, table: string, key: readonly string[], attrs: readonly string[]): Statement {
  const cols = [...key, ...attrs, ...SUM_COLUMNS, "last_ms"];
  return db.prepare(`INSERT INTO ${table} (${cols.join(", ")})
    VALUES (${cols.map(() => "?").join(", ")})
    ON CONFLICT (${key.join(", ")}) DO UPDATE SET
      ${SUM_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")},
      last_ms = MAX(last_ms, excluded.last_ms)`);
}

// Role is part of the key (schema version 3): control and region rows are never summed together.
const TARGET_KEY = ["region", "bucket", "network", "probe_id", "list", "url", "role"] as const;
const NETWORK_KEY = ["region", "bucket", "network", "role", "list"] as const;

export function prepareRollupUpserts(db: Database): RollupUpserts {
  return {
    minute: prepareUpsert(db, "rollups_minute", TARGET_KEY, ["category"]),
    hour: prepareUpsert(db, "rollups_hour", TARGET_KEY, ["category"]),
    networkMinute: prepareUpsert(db, "network_rollups_minute", NETWORK_KEY, []),
    networkHour: prepareUpsert(db, "network_rollups_hour", NETWORK_KEY, []),
  };
}
