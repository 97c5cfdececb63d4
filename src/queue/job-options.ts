// Default job options per queue: retries with exponential backoff, and bounded removal so Redis
// (which must run with maxmemory-policy noeviction) never fills with finished jobs.
import type { JobsOptions } from "bullmq";
import { QUEUES, type QueueName } from "./names.js";

const RETRY: JobsOptions = { attempts: 8, backoff: { type: "exponential", delay: 1000 } };

export const JOB_OPTIONS: Record<QueueName, JobsOptions> = {
  // Measure jobs are small; completed ones are kept a day so a second scheduler re-adding the same
  // deterministic id is a no-op. A missed slot is not retried for long: the next slot supersedes it.
  [QUEUES.measure]: {
    attempts: 2, backoff: { type: "exponential", delay: 5000 },
    removeOnComplete: { age: 24 * 3600, count: 50_000 }, removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  },
  // Result jobs carry up to 1000 measurements (MBs): keep few completed ones; the store's idempotent insert,
  // not the job id alone, is what makes a late re-add harmless. Failed ones stay a week for inspection.
  [QUEUES.results]: {
    ...RETRY, removeOnComplete: { age: 3600, count: 100 }, removeOnFail: { age: 7 * 24 * 3600, count: 1000 },
  },
  [QUEUES.alerts]: {
    ...RETRY, removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 }, removeOnFail: { age: 30 * 24 * 3600, count: 10_000 },
  },
};
