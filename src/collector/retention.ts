// Periodic retention: raw measurements go after rawDays, minute rollups after rollupDays. Runs never
// overlap, and stop() waits for a run in progress so the store can be closed right after.
import type { Logger } from "pino";
import type { Store } from "../store/store.js";

export interface RetentionOptions {
  store: Store;
  rawDays: number;
  rollupDays: number;
  /** Between runs; the first run starts right after start(). */
  intervalMs?: number;
  clock?: () => Date;
  logger?: Logger;
}

export interface RetentionRun {
  measurements: number;
  rollups: number;
}

const DAY_MS = 24 * 3600 * 1000;

export class RetentionTask {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionRun> | null = null;
  private readonly clock: () => Date;

  constructor(private readonly opts: RetentionOptions) {
    if (!(opts.rawDays > 0) || !(opts.rollupDays > 0)) throw new RangeError("retention days must be positive");
    this.clock = opts.clock ?? (() => new Date());
  }

  /** Prunes once now; a call while a run is in progress joins that run. */
  runOnce(): Promise<RetentionRun> {
    this.running ??= this.prune().finally(() => { this.running = null; });
    return this.running;
  }

  private async prune(): Promise<RetentionRun> {
    const now = this.clock().getTime();
    const measurements = await this.opts.store.pruneMeasurements(new Date(now - this.opts.rawDays * DAY_MS));
    const rollups = await this.opts.store.pruneRollups(new Date(now - this.opts.rollupDays * DAY_MS));
    this.opts.logger?.info({ measurements, rollups }, "retention: pruned");
    return { measurements, rollups };
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
