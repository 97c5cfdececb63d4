// What a scheduler tick enqueues: one measure job per probe and slot. The slot (the tick time floored to
// the minute) and the probe id make the job id, so two schedulers running side by side enqueue the same
// ids and BullMQ keeps one of each.
import type { KeepWatchConfig, ProbeConfig, TargetConfig } from "../config/schema.js";

export interface MeasureJobData {
  probeId: string;
  region: string;
  network: string;
  role: "region" | "control";
  /** ISO time of the slot this job measures. */
  scheduledFor: string;
  targets: TargetConfig[];
}

export function slotOf(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 60_000) * 60_000);
}

export function measureJobId(probeId: string, scheduledFor: string): string {
  // BullMQ job ids must not contain ":"; ISO times do, so use epoch seconds.
  return `measure-${probeId}-${Math.floor(Date.parse(scheduledFor) / 1000)}`;
}

/** The queue a probe's worker consumes: one per region and probe, so workers never take another probe's work. */
export function measureQueueName(region: string, probeId: string): string {
  return `measure-${region}-${probeId}`;
}

export function planTick(config: KeepWatchConfig, targets: TargetConfig[], now: Date): MeasureJobData[] {
  const scheduledFor = slotOf(now).toISOString();
  return config.probes.map((p: ProbeConfig) => ({
    probeId: p.id,
    region: p.region,
    network: p.network,
    role: p.role,
    scheduledFor,
    targets,
  }));
}
