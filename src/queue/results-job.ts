// The payload of a "results" job: a batch of measurements, with an id derived from the batch so adding
// the same batch twice (a retried upload, two producers) yields one job.
import { createHash } from "node:crypto";
import type { Measurement } from "../measurement.js";

export const RESULTS_JOB_NAME = "batch";
/** Measurements per job: large enough that per-job overhead does not bound ingest. */
export const MAX_RESULTS_BATCH = 1000;

export interface ResultsJobData {
  /** Validated again by the collector: a job may come from any producer. */
  measurements: Measurement[];
}

export function resultsJobId(measurements: readonly Pick<Measurement, "id">[]): string {
  const hash = createHash("sha256");
  for (const id of measurements.map((m) => m.id).sort()) hash.update(id).update("\n");
  return `results-${hash.digest("hex")}`;
}
