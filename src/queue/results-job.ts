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

/**
 * What a results job holds once the collector has stored it: counts and the ids it dropped, not the payload.
 * Completed jobs stay in Redis for a while (JOB_OPTIONS.results) so operators can see what went through;
 * with the payload each would keep its 2.4 MB. A job redelivered in this form (its completion was lost after
 * the store's commit) is completed again without touching the store.
 */
export interface StoredResultsJobData {
  stored: {
    measurements: number;
    /** Ids of measurements dropped as invalid (at most MAX_DROPPED_IDS; the count is in the job's result). */
    droppedIds: (string | null)[];
  };
}

export const MAX_DROPPED_IDS = 100;

export function storedResultsJobData(measurements: number, droppedIds: (string | null)[]): StoredResultsJobData {
  return { stored: { measurements, droppedIds: droppedIds.slice(0, MAX_DROPPED_IDS) } };
}

/** True for a job already stored and trimmed (storedResultsJobData), whoever redelivers it. */
export function isStoredResultsJobData(data: unknown): data is StoredResultsJobData {
  const stored = (data as { stored?: unknown } | null)?.stored;
  return typeof stored === "object" && stored !== null && !Array.isArray((data as { measurements?: unknown }).measurements);
}

export function resultsJobId(measurements: readonly Pick<Measurement, "id">[]): string {
  const hash = createHash("sha256");
  for (const id of measurements.map((m) => m.id).sort()) hash.update(id).update("\n");
  return `results-${hash.digest("hex")}`;
}
