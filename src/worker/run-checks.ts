// Runs one probe's checks over a target list with bounded concurrency and turns each result into a
// Measurement. Shared by the BullMQ worker and the volunteer agent, so both produce the same records.
import { randomUUID } from "node:crypto";
import type { ThroughputResult, WebCheck } from "../../probes/types.js";
import { MEASUREMENT_VERSION, type Measurement, type ProbeIdentity } from "../measurement.js";
import type { TargetConfig } from "../config/schema.js";
import { scrubMeasurement } from "../privacy/scrub.js";

export const SOFTWARE = "keepwatch/0.1.0";

export type { ProbeIdentity };

/**
 * Measures one target; resolves for anything the network does. It rejects only for a fault of our own (e.g.
 * a check thread that crashed): the measure job then fails and BullMQ retries it.
 */
export type TargetChecker = (target: TargetConfig) => Promise<{ check: WebCheck; throughput: ThroughputResult | null }>;

function withoutVerdict(check: WebCheck): Omit<WebCheck, "verdict"> {
  const { verdict: _verdict, ...layers } = check;
  return layers;
}

export function toMeasurement(
  who: ProbeIdentity,
  target: TargetConfig,
  startedAt: Date,
  result: { check: WebCheck; throughput: ThroughputResult | null },
): Measurement {
  // Every Measurement leaves the probe scrubbed of addresses that are not the target's (src/privacy).
  return scrubMeasurement({
    version: MEASUREMENT_VERSION,
    id: randomUUID(),
    probe: { id: who.probeId, role: who.role, software: SOFTWARE },
    region: who.region,
    network: who.network,
    target: { url: target.url, list: target.list, category: target.category },
    startedAt: startedAt.toISOString(),
    check: withoutVerdict(result.check),
    verdict: result.check.verdict,
    throughput: result.throughput,
  });
}

export async function runChecks(
  who: ProbeIdentity,
  targets: TargetConfig[],
  checker: TargetChecker,
  concurrency: number,
  signal?: AbortSignal,
): Promise<Measurement[]> {
  const out: Measurement[] = [];
  let next = 0;
  const lane = async () => {
    while (next < targets.length && !signal?.aborted) {
      const target = targets[next++]!;
      const startedAt = new Date();
      out.push(toMeasurement(who, target, startedAt, await checker(target)));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, targets.length)) }, lane));
  return out;
}
