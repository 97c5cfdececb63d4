// What a scheduler tick enqueues: one measure job per configured probe for the tick's slot (the cron
// time the tick was scheduled for, to the second). The slot and the probe id make the job id
// (src/queue/measure-job.ts), so two schedulers running side by side enqueue the same ids and BullMQ keeps
// one of each.
import type { KeepWatchConfig, TargetConfig } from "../config/schema.js";
import type { MeasureJob } from "../queue/measure-job.js";

export function slotOf(scheduled: Date): Date {
  return new Date(Math.floor(scheduled.getTime() / 1000) * 1000);
}

export function planTick(config: KeepWatchConfig, targets: TargetConfig[], now: Date): MeasureJob[] {
  const scheduledFor = slotOf(now).toISOString();
  return config.probes.map((p) => ({
    probeId: p.id,
    region: p.region,
    network: p.network,
    role: p.role,
    scheduledFor,
    targets,
  }));
}
