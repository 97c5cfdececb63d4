// Periodic retention: raw measurements go after rawDays, per-target minute rollups after targetMinuteDays
// (the bulk of the rollup bytes; read only by the detector and short API ranges), the other rollups after
// rollupDays; then the store's own maintenance (PostgreSQL: closed partitions' indexes rebuilt full). Runs never
// overlap, and stop() waits for a run in progress so the store can be closed right after.
import type { Logger } from "pino";
import { writePrunedBefore } from "../store/pruned-state.js";
import type { CompactionRun, Store } from "../store/store.js";

export interface RetentionOptions {
  store: Store;
  rawDays: number;
  rollupDays: number;
  /** Per-target minute rollups; default rollupDays (kept as long as the rest). */
  targetMinuteDays?: number;
  /** Between runs; the first run starts right after start(). */
  intervalMs?: number;
  clock?: () => Date;
  logger?: Logger;
}

export interface RetentionRun {
  measurements: number;
  /** Per-target minute rows older than targetMinuteDays. */
  targetMinuteRollups: number;
  /** Per-target minute rows older than rollupDays (none left when targetMinuteDays is shorter). */
  rollups: number;
  /** The store's maintenance after pruning (Store.compactClosed; absent where the store has none). */
  compaction?: CompactionRun;
}

const DAY_MS = 24 * 3600 * 1000;
/** Per-target minute rows are kept this much past targetMinuteDays. */
export const MINUTE_GRACE_MS = 3600 * 1000;

export class RetentionTask {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionRun> | null = null;
  private readonly clock: () => Date;

  constructor(private readonly opts: RetentionOptions) {
    if (!(opts.rawDays > 0) || !(opts.rollupDays > 0) || !((opts.targetMinuteDays ?? 1) > 0)) {
      throw new RangeError("retention days must be positive");
    }
    if ((opts.targetMinuteDays ?? 0) > opts.rollupDays) throw new RangeError("targetMinuteDays must be at most rollupDays");
    this.clock = opts.clock ?? (() => new Date());
  }

  /** Prunes once now; a call while a run is in progress joins that run. */
  runOnce(): Promise<RetentionRun> {
    this.running ??= this.prune().finally(() => { this.running = null; });
    return this.running;
  }

  private async prune(): Promise<RetentionRun> {
    const now = this.clock().getTime();
    const rawCutoff = new Date(now - this.opts.rawDays * DAY_MS);
    // An hour's grace: the detector's first baseline window starts up to a window before baselineHours, and the
    // API's horizon is now − targetMinuteDays; neither may find a bucket this run has just taken.
    const minuteCutoff = this.opts.targetMinuteDays === undefined ? null
      : new Date(now - this.opts.targetMinuteDays * DAY_MS - MINUTE_GRACE_MS);
    const rollupCutoff = new Date(now - this.opts.rollupDays * DAY_MS);
    // Without targetMinuteDays, per-target minutes go with the other rollups.
    const minuteEdge = minuteCutoff ?? rollupCutoff;
    // The store keeps the per-target minute stats of removed rows inside the minute horizon (PostgreSQL reads
    // them from the rows themselves until then).
    const measurements = await this.opts.store.pruneMeasurements(rawCutoff, { targetMinutesSince: minuteEdge });
    const targetMinuteRollups = minuteCutoff === null ? 0 : await this.opts.store.pruneTargetMinuteRollups(minuteCutoff);
    const rollups = await this.opts.store.pruneRollups(rollupCutoff);
    // Readers that must not mistake pruned data for silence look here (pruned-state.ts).
    await writePrunedBefore(this.opts.store, {
      measurements: rawCutoff.toISOString(), targetMinuteRollups: minuteEdge.toISOString(), rollups: rollupCutoff.toISOString(),
    });
    this.opts.logger?.info({ measurements, targetMinuteRollups, rollups }, "retention: pruned");
    // After pruning, so partitions about to be dropped are gone first. Bounded per run, never blocks ingest.
    // Its failure (a lock wait over, the store down) loses nothing: the next run does it.
    const compaction = await this.opts.store.compactClosed?.(new Date(now)).catch((err: unknown) => {
      this.opts.logger?.error({ err }, "retention: compaction failed (retried next run)");
      return undefined;
    });
    if (compaction && (compaction.compacted > 0 || compaction.cleaned > 0)) this.opts.logger?.info(compaction, "retention: compacted closed partitions");
    return { measurements, targetMinuteRollups, rollups, ...(compaction ? { compaction } : {}) };
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.runOnce().catch((err: unknown) => this.opts.logger?.error({ err }, "retention run failed"));
    };
    this.timer = setInterval(tick, this.opts.intervalMs ?? 3600_000);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }
}
