// Wires the alerts stage from the config: queue, dispatcher (with reminders) and, unless disabled, the
// delivery worker. The entry point calls startAlerts() once and passes `dispatcher.publish` to the detector.
import { Queue } from "bullmq";
import type { Logger } from "pino";
import type { KeepWatchConfig } from "../config/schema.js";
import { createRedisConnection } from "../queue/connection.js";
import { AlertDispatcher } from "./dispatcher.js";
import { messageContextFromConfig } from "./messages.js";
import { OpenIncidentTracker } from "./open-incidents.js";
import { ALERTS_QUEUE, DEFAULT_ALERT_JOB_POLICY, type AlertJobData, type AlertJobPolicy } from "./queue.js";
import { AlertWorker } from "./worker.js";

export interface AlertsOptions {
  config: KeepWatchConfig;
  redisUrl: string;
  /** BullMQ key prefix (shared with the other queues); also prefixes the reminder state. */
  prefix?: string;
  /** Run the delivery worker in this process (default true). */
  worker?: boolean;
  /** Send due reminders from this process (default true; only the alert sender should). */
  reminders?: boolean;
  /** See AlertWorkerOptions.mayDeliver. */
  mayDeliver?: () => Promise<boolean>;
  concurrency?: number;
  timeoutMs?: number;
  policy?: AlertJobPolicy;
  /** How often to look for due reminders (default derived from alerts.reminderMinutes). */
  reminderCheckMs?: number;
  now?: () => Date;
  logger?: Logger;
}

export interface Alerts {
  dispatcher: AlertDispatcher;
  queue: Queue<AlertJobData>;
  worker: AlertWorker | null;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Channel names key the jobs and the providers: two channels with one name would swallow each other. */
export function assertUniqueChannelNames(config: KeepWatchConfig): void {
  const seen = new Set<string>();
  for (const c of config.alerts.channels) {
    if (seen.has(c.name)) throw new Error(`alerts.channels: the name "${c.name}" is used twice; channel names must be unique`);
    seen.add(c.name);
  }
}

export async function startAlerts(opts: AlertsOptions): Promise<Alerts> {
  assertUniqueChannelNames(opts.config);
  const prefix = opts.prefix ?? "bull";
  // Both connections wait out a Redis outage instead of failing: an alert published meanwhile is queued
  // in memory and sent when Redis is back, rather than lost.
  const redis = createRedisConnection(opts.redisUrl, "worker");
  const queue = new Queue<AlertJobData>(ALERTS_QUEUE, { connection: redis, prefix });
  const dispatcher = new AlertDispatcher({
    queue,
    tracker: new OpenIncidentTracker(redis, prefix),
    channels: opts.config.alerts.channels,
    reminderMinutes: opts.config.alerts.reminderMinutes,
    policy: opts.policy ?? DEFAULT_ALERT_JOB_POLICY,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  let worker: AlertWorker | null = null;
  const workerRedis = opts.worker !== false ? createRedisConnection(opts.redisUrl, "worker") : null;
  if (workerRedis) {
    worker = new AlertWorker({
      connection: workerRedis,
      prefix,
      channels: opts.config.alerts.channels,
      providerDeps: { messages: messageContextFromConfig(opts.config), timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS },
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...(opts.mayDeliver ? { mayDeliver: opts.mayDeliver } : {}),
    });
    await worker.waitUntilReady();
  }
  if (opts.reminders !== false) dispatcher.startReminders(opts.reminderCheckMs);
  return {
    dispatcher,
    queue,
    worker,
    close: async () => {
      await dispatcher.close();
      await worker?.close();
      await queue.close();
      await workerRedis?.quit();
      await redis.quit();
    },
  };
}
