// The payload of a measure job and its deterministic id: probe and slot make the id, so two schedulers
// running side by side enqueue the same id and BullMQ keeps one.
import type { TargetConfig } from "../config/schema.js";

export interface MeasureJob {
  region: string;
  probeId: string;
  network: string;
  role: "region" | "control";
  targets: TargetConfig[];
  /** ISO 8601 UTC time of the slot this job measures. */
  scheduledFor: string;
}

export function measureJobId(probeId: string, scheduledFor: string | Date): string {
  const ms = typeof scheduledFor === "string" ? Date.parse(scheduledFor) : scheduledFor.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`scheduledFor is not a time: ${String(scheduledFor)}`);
  if (probeId.includes(":")) throw new RangeError("probe id must not contain ':' (BullMQ job ids cannot)");
  // Epoch seconds, not ISO: BullMQ job ids must not contain ":".
  return `measure-${probeId}-${Math.floor(ms / 1000)}`;
}
