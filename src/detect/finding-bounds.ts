// A finding made ready to build an incident from (build.ts): its exact bounds and evidence read from the raw
// measurements at its edges (the Detector's pass, ./detector.ts).
import type { DetectorConfig } from "../config/schema.js";
import type { MeasurementFacts } from "../measurement.js";
import type { Store } from "../store/store.js";
import { refineBounds, type Bounds } from "./bounds.js";
import type { BuildInput } from "./build.js";
import type { Finding } from "./types.js";

/** Exact bounds and evidence ids from the raw measurements at the finding's edges. */
export async function findingWithBounds(
  store: Store,
  config: Pick<DetectorConfig, "windowSeconds" | "maxGapWindows" | "closeAfter">,
  finding: Finding,
  regionName: string | undefined,
): Promise<BuildInput> {
  const windowMs = config.windowSeconds * 1000;
  const q = {
    region: finding.region,
    role: "region" as const,
    ...(finding.network !== null ? { network: finding.network } : {}),
  };
  const hasWindows = finding.firstBad.end > 0;
  // From the last good window (at most a few windows back) so lastGoodAt is a measurement that worked.
  const back = finding.lastGood && finding.lastGood.start < finding.firstBad.start
    ? Math.max(finding.lastGood.start, finding.firstBad.start - config.maxGapWindows * windowMs)
    : finding.firstBad.start - windowMs;
  const opening: MeasurementFacts[] = hasWindows && finding.kind !== "dark"
    ? await store.measurementFacts({ ...q, since: new Date(back), until: new Date(finding.firstBad.end) })
    : [];
  // The whole closing run: a target measured once per round may first show up in its second window.
  const recovery: MeasurementFacts[] = finding.recovery
    ? await store.measurementFacts({
      ...q, since: new Date(finding.recovery.start),
      until: new Date(finding.recovery.start + config.closeAfter * windowMs),
    })
    : [];
  const bounds: Bounds = refineBounds(finding, { opening, recovery });
  const affected = new Set(finding.affectedUrls);
  const measurementIds = opening
    .filter((m) => Date.parse(m.startedAt) >= finding.firstBad.start && affected.has(m.url))
    .filter((m) => finding.kind === "throttling" || !m.accessible)
    .map((m) => m.id);
  return { finding, bounds, measurementIds, ...(regionName !== undefined ? { regionName } : {}) };
}
