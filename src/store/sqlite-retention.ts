// Retention: deleting raw measurements and rollup buckets older than a cutoff, in chunks with the event loop
// served between them so the API and collector keep working while a large prune runs. Kept beside sqlite.ts
// so that file stays readable; takes SqliteStore's lock-aware runner because each chunk is its own statement.
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { NameTable } from "./sqlite-names.js";
import type { SqliteCall, StatementCache } from "./sqlite-statements.js";

/**
 * Every rollup table with its primary key, region column and bucket width in seconds (pruned together).
 * Per-target tables are keyed by name ids (schema version 6).
 */
const ROLLUP_TABLES: readonly [string, string, "region" | "region_ref", number][] = [
  ["rollups_minute", "region_ref, bucket, network_ref, probe_ref, list_ref, url_ref, role_ref", "region_ref", 60],
  ["rollups_hour", "region_ref, bucket, network_ref, probe_ref, list_ref, url_ref, role_ref", "region_ref", 3600],
  ["network_rollups_minute", "region, bucket, network, role, list", "region", 60],
  ["network_rollups_hour", "region, bucket, network, role, list", "region", 3600],
];

export class Retention {
  constructor(
    private readonly stmts: StatementCache,
    private readonly names: NameTable,
    private readonly call: SqliteCall,
    /** Rows deleted per chunk, so pruning never holds the write lock for long. */
    private readonly chunkSize: number,
  ) {}

  /** Deletes in chunks, yielding between them so the API and collector keep being served. */
  private async deleteInChunks(sql: string, ...params: (string | number)[]): Promise<number> {
    const del = this.stmts.get(sql);
    let total = 0;
    for (;;) {
      const n = (await this.call(() => del.run(...params, this.chunkSize))).changes;
      total += n;
      if (n < this.chunkSize) return total;
      await yieldToEventLoop();
    }
  }

  pruneMeasurements(olderThan: Date): Promise<number> {
    return this.deleteInChunks(`DELETE FROM measurements WHERE rowid IN
      (SELECT rowid FROM measurements WHERE started_ms < ? ORDER BY started_ms LIMIT ?)`, olderThan.getTime());
  }

  pruneRollups(olderThan: Date): Promise<number> {
    return this.pruneRollupTables(olderThan, ROLLUP_TABLES);
  }

  pruneTargetMinuteRollups(olderThan: Date): Promise<number> {
    return this.pruneRollupTables(olderThan, ROLLUP_TABLES.filter(([table]) => table === "rollups_minute"));
  }

  /** Whole buckets older than the cutoff; returns per-target minute rows deleted. */
  private async pruneRollupTables(olderThan: Date, tables: typeof ROLLUP_TABLES): Promise<number> {
    // Rollup tables are keyed region first, so each region's old rows are one contiguous range.
    const cutoffS = Math.floor(olderThan.getTime() / 1000);
    const regions = await this.call(() => this.stmts.get("SELECT DISTINCT region FROM last_seen").pluck().all()) as string[];
    let minuteRows = 0;
    for (const region of regions) {
      for (const [table, key, regionColumn, width] of tables) {
        const value = regionColumn === "region" ? region : this.names.find(region);
        if (value === null) continue;
        const n = await this.deleteInChunks(`DELETE FROM ${table} WHERE (${key}) IN
          (SELECT ${key} FROM ${table} WHERE ${regionColumn} = ? AND bucket <= ? LIMIT ?)`, value, cutoffS - width);
        if (table === "rollups_minute") minuteRows += n;
      }
    }
    return minuteRows;
  }
}
