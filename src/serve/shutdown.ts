// The order `keepwatch serve` stops in, whatever order it started in: first no new work comes in, then the
// work in flight finishes, then each stage after the ones that feed it, and Redis last, after everything
// that still writes to it. A step that fails is logged and the rest still run.
import type { Logger } from "../log.js";

export const STOP_ORDER = [
  /** HTTP listener closed, SSE streams ended, requests in flight answered. */
  "intake",
  /** No new measure jobs. */
  "scheduler",
  /** Local probe workers finish the checks they hold. */
  "workers",
  /** The results queue drains into the store (bounded wait; what is left stays in Redis' AOF). */
  "drain",
  "collector",
  "detector",
  "alerts",
  /** Producers, queue handles and their Redis connections. */
  "queues",
  "store",
  "redis",
] as const;
export type StopStage = (typeof STOP_ORDER)[number];

export class ShutdownSequence {
  private readonly steps = new Map<StopStage, (() => Promise<unknown>)[]>();
  private running: Promise<void> | null = null;

  constructor(private readonly log: Pick<Logger, "info" | "error">) {}

  add(stage: StopStage, step: () => Promise<unknown>): void {
    const list = this.steps.get(stage) ?? [];
    list.push(step);
    this.steps.set(stage, list);
  }

  /** Runs every stage once, in STOP_ORDER; later calls return the same promise. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const stage of STOP_ORDER) {
        const steps = this.steps.get(stage) ?? [];
        if (steps.length === 0) continue;
        const started = performance.now();
        await Promise.all(
          steps.map((step) => step().catch((err: unknown) => this.log.error({ err, stage }, "error while stopping"))),
        );
        this.log.info({ stage, ms: Math.round(performance.now() - started) }, "stopped");
      }
    })();
    return this.running;
  }
}
