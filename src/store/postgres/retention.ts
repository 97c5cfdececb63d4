// Retention of the PostgreSQL store: measurements go by whole day partitions (partitions.ts), rollups by
// bucket, and closed days' indexes are rebuilt full (compaction.ts). Kept apart so store.ts stays readable;
// the store's call and transaction runners come in as parameters so errors are mapped as everywhere else.
import type pg from "pg";
import type { CompactionRun, MeasurementPruneOptions } from "../store.js";
import { PartitionCompactor } from "./compaction.js";
import { NO_HORIZON_MS } from "./migration-derived.js";
import type { Partitions } from "./partitions.js";
import type { PgCall, PgTransaction } from "./runners.js";
import { MINUTE_MS, advanceHorizon } from "./target-minutes.js";

/** A rollup table and its bucket width in seconds. */
type RollupTable = readonly [string, number];

const TARGET_MINUTE_TABLES: readonly RollupTable[] = [["rollups_minute", 60], ["legacy_rollups_minute", 60]];
const ALL_ROLLUP_TABLES: readonly RollupTable[] = [["rollups_minute", 60], ["legacy_rollups_minute", 60], ["rollups_hour", 3600],
  ["legacy_rollups_hour", 3600], ["network_rollups_minute", 60], ["network_rollups_hour", 3600]];

export class PgRetention {
  constructor(
    private readonly pool: pg.Pool,
    private readonly partitions: Partitions,
    private readonly call: PgCall,
    private readonly transaction: PgTransaction,
  ) {}

  /** Removed rows' per-target minute sums are kept from opts.targetMinutesSince's minute on (all without it). */
  pruneMeasurements(olderThan: Date, opts: MeasurementPruneOptions = {}): Promise<number> {
    const since = opts.targetMinutesSince;
    const keepMs = since === undefined ? NO_HORIZON_MS : Math.floor(since.getTime() / MINUTE_MS) * MINUTE_MS;
    return this.call(() => this.partitions.prune(olderThan.getTime(), keepMs));
  }

  /** Whole buckets older than the cutoff, from all four rollup tables (and the legacy-keyed ones). */
  pruneRollups(olderThan: Date): Promise<number> {
    return this.pruneRollupTables(olderThan, ALL_ROLLUP_TABLES);
  }

  pruneTargetMinuteRollups(olderThan: Date): Promise<number> {
    return this.pruneRollupTables(olderThan, TARGET_MINUTE_TABLES);
  }

  /** Rebuilds closed day partitions' indexes full (compaction.ts); busy when another process is at it. */
  compactClosed(now: Date): Promise<CompactionRun> {
    return this.call(() => new PartitionCompactor(this.pool, this.partitions).run(now.getTime()));
  }

  /**
   * Returns per-target minute rows deleted: stored ones, and the minutes of live rows that the horizon moved
   * past (since migration 6 those are the rows' own minutes, target-minutes.ts).
   */
  private async pruneRollupTables(olderThan: Date, tables: readonly RollupTable[]): Promise<number> {
    const cutoffS = Math.floor(olderThan.getTime() / 1000);
    let minuteRows = await this.transaction((c) => advanceHorizon(c, Math.floor(cutoffS / 60) * MINUTE_MS));
    for (const [table, width] of tables) {
      const r = await this.call(() => this.pool.query(`DELETE FROM ${table} WHERE bucket <= $1`, [cutoffS - width]));
      if (table === "rollups_minute" || table === "legacy_rollups_minute") minuteRows += r.rowCount ?? 0;
    }
    return minuteRows;
  }
}
