// Producer side of alerts: turns detector events into one BullMQ job per matching channel, and sends
// reminders for incidents that stay open. Job ids are derived from (event, channel), so publishing the
// same event twice enqueues it once.
import { createHash } from "node:crypto";
import type { Queue } from "bullmq";
import type { Logger } from "pino";
import type { AlertChannelConfig } from "../config/schema.js";
import { alertEventFromIncidentEvent, reminderEvent, type AlertEvent, type IncidentEvent } from "./event.js";
import { channelWants } from "./filter.js";
import type { OpenIncidentTracker } from "./open-incidents.js";
import { alertJobOptions, DEFAULT_ALERT_JOB_POLICY, type AlertJobData, type AlertJobPolicy } from "./queue.js";

export interface AlertDispatcherOptions {
  queue: Queue<AlertJobData>;
  tracker: OpenIncidentTracker;
  channels: AlertChannelConfig[];
  /** alerts.reminderMinutes; 0 turns reminders off. */
  reminderMinutes: number;
  policy?: AlertJobPolicy;
  now?: () => Date;
  logger?: Logger;
}

/** BullMQ ids must not be integers nor contain ":"; a hex digest with a prefix is neither. */
export function alertJobId(eventId: string, channel: string): string {
  return `alert-${createHash("sha256").update(`${eventId}\u0000${channel}`).digest("hex").slice(0, 40)}`;
}

export class AlertDispatcher {
  private readonly policy: AlertJobPolicy;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | null = null;
  /** Publishing and reminder ticks run one at a time, so a reminder cannot slip in after a close. */
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: AlertDispatcherOptions) {
    this.policy = opts.policy ?? DEFAULT_ALERT_JOB_POLICY;
    this.now = opts.now ?? (() => new Date());
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Enqueues the event for every channel that wants it; returns the job ids. */
  publish(ev: IncidentEvent): Promise<string[]> {
    return this.serial(async () => {
      const event = alertEventFromIncidentEvent(ev);
      const ids = await this.enqueue(event);
      const at = this.now();
      // Late data can revise an incident that already ended: only open incidents get reminders.
      if (event.incident.status === "closed") await this.opts.tracker.closed(event.incident.id);
      else if (event.type === "opened") await this.opts.tracker.opened(event.incident, at);
      else await this.opts.tracker.changed(event.incident, at);
      return ids;
    });
  }

  private async enqueue(event: AlertEvent): Promise<string[]> {
    const channels = this.opts.channels.filter((c) => channelWants(c, event));
    if (channels.length === 0) return [];
    const jobs = channels.map((c) => {
      const jobId = alertJobId(event.id, c.name);
      return { name: event.type, data: { event, channel: c.name }, opts: alertJobOptions(jobId, this.policy) };
    });
    await this.opts.queue.addBulk(jobs);
    this.opts.logger?.info({ event: event.type, incident: event.incident.id, channels: channels.map((c) => c.name) }, "alert enqueued");
    return jobs.map((j) => j.opts.jobId as string);
  }

  /** Sends the due reminders once; returns how many incidents were reminded. */
  sendReminders(): Promise<number> {
    return this.serial(async () => {
      if (this.opts.reminderMinutes <= 0) return 0;
      const now = this.now();
      const intervalMs = this.opts.reminderMinutes * 60_000;
      let sent = 0;
      for (const entry of await this.opts.tracker.list()) {
        if (now.getTime() - entry.lastAlertAt < intervalMs) continue;
        const n = entry.reminders + 1;
        // Claim before enqueueing: a crash in between loses one reminder rather than risking a duplicate.
        if (!(await this.opts.tracker.claimReminder(entry.incident.id, n, now))) continue;
        await this.enqueue(reminderEvent(entry.incident, n, now));
        sent++;
      }
      return sent;
    });
  }

  /** Checks for due reminders every `everyMs` (default: a tenth of the interval, 10 s to 60 s). */
  startReminders(everyMs?: number): void {
    if (this.timer || this.opts.reminderMinutes <= 0 || this.closed) return;
    const period = everyMs ?? Math.min(60_000, Math.max(10_000, (this.opts.reminderMinutes * 60_000) / 10));
    this.timer = setInterval(() => {
      this.sendReminders().catch((err: unknown) => this.opts.logger?.error({ err }, "alert reminders failed"));
    }, period);
    this.timer.unref();
  }

  /** Stops reminders and waits for the publish or tick in progress. The queue belongs to the caller. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.chain;
  }
}
