// Consumer side of alerts: a BullMQ worker that delivers each job with its channel's provider. A throw
// from the provider makes BullMQ retry the job with backoff; other channels' jobs run meanwhile.
import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from "bullmq";
import type { Logger } from "pino";
import type { AlertChannelConfig } from "../config/schema.js";
import { DeliveryError, type AlertProvider } from "./provider.js";
import { createProvider, type ProviderDeps } from "./providers.js";
import { ALERTS_QUEUE, type AlertJobData } from "./queue.js";

export interface AlertWorkerOptions {
  connection: ConnectionOptions;
  prefix?: string;
  channels: AlertChannelConfig[];
  providerDeps: ProviderDeps;
  /** Jobs delivered at once; > 1 so one slow receiver does not hold up the rest. */
  concurrency?: number;
  logger?: Logger;
  /**
   * Asked right before each delivery: false puts the job back (delayed a second, no attempt used) instead
   * of sending. The elected alert sender checks here that it still holds its lease, so a deposed leader
   * never sends what the new one will.
   */
  mayDeliver?: () => Promise<boolean>;
}

export class AlertWorker {
  private readonly worker: Worker<AlertJobData>;
  private readonly providers = new Map<string, AlertProvider>();

  constructor(private readonly opts: AlertWorkerOptions) {
    for (const c of opts.channels) this.providers.set(c.name, createProvider(c, opts.providerDeps));
    this.worker = new Worker<AlertJobData>(ALERTS_QUEUE, (job, token) => this.deliver(job, token), {
      connection: opts.connection,
      concurrency: opts.concurrency ?? 8,
      ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
    });
    this.worker.on("failed", (job, err) => {
      if (!job) return;
      const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      opts.logger?.[final ? "error" : "warn"](
        { channel: job.data.channel, event: job.data.event.type, incident: job.data.event.incident.id, attempt: job.attemptsMade, reason: err.message },
        final ? "alert delivery gave up" : "alert delivery failed, will retry",
      );
    });
    this.worker.on("error", (err) => opts.logger?.error({ err }, "alert worker error"));
  }

  private async deliver(job: Job<AlertJobData>, token: string | undefined): Promise<string> {
    if (this.opts.mayDeliver && !(await this.opts.mayDeliver())) {
      await job.moveToDelayed(Date.now() + 1000, token);
      throw new DelayedError();
    }
    const provider = this.providers.get(job.data.channel);
    if (!provider) {
      // The channel was removed from the config since the job was queued: nothing to retry.
      this.opts.logger?.warn({ channel: job.data.channel }, "alert for an unknown channel dropped");
      return "dropped";
    }
    try {
      await provider.send(job.data.event);
    } catch (err) {
      // A refusal (bad URL, token, chat, mailbox) will not pass on retry: fail the job now.
      if (err instanceof DeliveryError && err.permanent) throw new UnrecoverableError(err.message);
      throw err;
    }
    this.opts.logger?.info({ channel: provider.name, event: job.data.event.type, incident: job.data.event.incident.id }, "alert delivered");
    return "delivered";
  }

  waitUntilReady(): Promise<unknown> {
    return this.worker.waitUntilReady();
  }

  /** Graceful: lets deliveries in progress finish, takes no new ones. */
  close(): Promise<void> {
    return this.worker.close();
  }
}
