// node-cron drives ticks; each tick enqueues one measure job per probe into that probe's queue. Ticks are
// idempotent per slot, so a restart or a second scheduler never doubles the work.
import { schedule, type ScheduledTask } from "node-cron";
import type { KeepWatchConfig, TargetConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import type { MeasureProducer } from "../queue/measure-producer.js";
import { planTick } from "./plan.js";

export class Scheduler {
  private task: ScheduledTask | null = null;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: KeepWatchConfig,
    private readonly targets: TargetConfig[],
    private readonly producer: MeasureProducer,
    private readonly log: Logger,
  ) {}

  /** Enqueues the jobs of the slot containing `now`; returns their ids. */
  async tick(now = new Date()): Promise<string[]> {
    const jobs = planTick(this.config, this.targets, now);
    const ids = await Promise.all(jobs.map((j) => this.producer.add(j)));
    this.log.debug({ slot: jobs[0]?.scheduledFor, jobs: ids.length }, "scheduled measure jobs");
    return ids;
  }

  start(): void {
    // ctx.date is the slot the cron expression named, the same in every scheduler, not when we woke up.
    this.task = schedule(this.config.schedule.cron, (ctx) => {
      this.ticking = this.tick(ctx.date).then(
        () => undefined,
        (e: unknown) => this.log.error({ err: e }, "scheduling failed; the next tick retries"),
      );
    });
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = null;
    await this.ticking;
  }
}
