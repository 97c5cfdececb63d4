// The "alerts" queue: what one job carries and how it is retried. Alerts keep their own retry policy
// (longer than the shared default in ../queue/job-options.ts): a receiver may be down for hours.
import type { JobsOptions } from "bullmq";
import { QUEUES } from "../queue/names.js";
import type { AlertEvent } from "./event.js";

export const ALERTS_QUEUE = QUEUES.alerts;

/** One job = one event for one channel, so a failing channel only retries itself. */
export interface AlertJobData {
  event: AlertEvent;
  channel: string;
}

export interface AlertJobPolicy {
  /** Delivery attempts before the job is left as failed. */
  attempts: number;
  /** First retry delay; doubles each attempt (exponential backoff). */
  backoffMs: number;
  /** How long finished jobs are kept: while kept, the same event for the same channel is not sent again. */
  keepSeconds: number;
  /** Cap on kept finished jobs, so Redis (maxmemory-policy noeviction) cannot fill up. */
  keepCount: number;
}

/** 10 attempts from 30 s: retries span about 4 hours, long enough to ride out a receiver's outage. */
export const DEFAULT_ALERT_JOB_POLICY: AlertJobPolicy = {
  attempts: 10,
  backoffMs: 30_000,
  keepSeconds: 30 * 24 * 3600,
  keepCount: 20_000,
};

export function alertJobOptions(jobId: string, policy: AlertJobPolicy): JobsOptions {
  return {
    jobId,
    attempts: policy.attempts,
    backoff: { type: "exponential", delay: policy.backoffMs },
    removeOnComplete: { age: policy.keepSeconds, count: policy.keepCount },
    removeOnFail: { age: policy.keepSeconds, count: policy.keepCount },
  };
}
