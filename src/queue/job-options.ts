// Default job options per queue: retries with exponential backoff, and bounded removal so Redis
// (which must run with maxmemory-policy noeviction) never fills with finished jobs.
import type { JobsOptions } from "bullmq";
import { QUEUES, type QueueName } from "./names.js";

const RETRY: JobsOptions = { attempts: 8, backoff: { type: "exponential", delay: 1000 } };

/** Capped exponential backoff: firstMs, doubling per attempt, never more than maxMs. */
export interface Backoff {
  firstMs: number;
  maxMs: number;
}

/**
 * Results jobs meeting an unavailable store wait 1 s, 2 s, … up to a minute between attempts, with no limit
 * on attempts: what was answered 202 stays in Redis until the store takes it.
 */
export const RESULTS_STORE_BACKOFF: Backoff = { firstMs: 1000, maxMs: 60_000 };

/** Delay before the next attempt, `attempt` counted from 1. */
export function backoffDelay(attempt: number, b: Backoff): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  return Math.min(b.maxMs, b.firstMs * 2 ** exponent);
}

export const JOB_OPTIONS: Record<QueueName, JobsOptions> = {
  // Measure jobs are small; completed ones are kept a day so a second scheduler re-adding the same
  // deterministic id is a no-op. A missed slot is not retried for long: the next slot supersedes it.
  [QUEUES.measure]: {
    attempts: 2, backoff: { type: "exponential", delay: 5000 },
    removeOnComplete: { age: 24 * 3600, count: 50_000 }, removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  },
  // Result jobs carry up to 1000 measurements (MBs): keep few completed ones, and those without their payload
  // (the collector replaces it with counts and dropped ids once stored: StoredResultsJobData); the store's
  // idempotent insert, not the job id alone, is what makes a late re-add harmless. An unavailable store does not use these
  // attempts (the collector postpones the job, RESULTS_STORE_BACKOFF); they cover unexpected errors only, and
  // failed jobs are taken back when a collector starts (results-recovery.ts).
  [QUEUES.results]: {
    ...RETRY, removeOnComplete: { age: 3600, count: 100 }, removeOnFail: { age: 7 * 24 * 3600, count: 1000 },
  },
  [QUEUES.alerts]: {
    ...RETRY, removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 }, removeOnFail: { age: 30 * 24 * 3600, count: 10_000 },
  },
};
