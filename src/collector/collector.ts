// The collector: a BullMQ worker on "results" that validates each measurement, stores each job's valid
// ones in one store transaction (idempotent by measurement id, so a redelivered job changes nothing) and
// keeps counters for /metrics. The store keeps probe last-seen in that same transaction.
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { DEFAULT_MAX_CLOCK_SKEW_MS, measurementSchema, startedAtProblem, type Measurement } from "../measurement.js";
import { createRedisConnection } from "../queue/connection.js";
import { QUEUES } from "../queue/names.js";
import type { ResultsJobData } from "../queue/results-job.js";
import type { Store } from "../store/store.js";
import { RetentionTask, type RetentionOptions } from "./retention.js";

/** Invalid ids listed per log line; the count is always complete. */
const MAX_LOGGED_IDS = 100;

export interface CollectorOptions {
  /** A Redis URL (the collector opens and closes its own connection) or a worker connection to share. */
  redis: string | Redis;
  store: Store;
  logger: Logger;
  /** Jobs in flight; >1 overlaps fetching the next job with storing this one (SQLite still has one writer). */
  concurrency?: number;
  /** BullMQ lock; a collector that dies mid-job leaves it stalled and another takes it after this. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Prune raw and rollup data periodically from this collector. */
  retention?: Omit<RetentionOptions, "store" | "logger">;
  /** How far after its receive time a measurement may be dated (server.maxClockSkewSeconds); default 10 min. */
  maxClockSkewMs?: number;
  /** Called after each stored batch (metrics). */
  onBatch?: (result: BatchResult) => void;
  /** Called with the valid measurements of each stored batch (metrics by region, phase, throughput). */
  onStored?: (measurements: Measurement[]) => void;
}

export interface BatchResult {
  jobId: string;
  inserted: number;
  duplicates: number;
  invalid: number;
}

export interface CollectorCounters {
  /** Measurements newly stored. */
  ingested: number;
  /** Measurements already stored (redelivery, re-upload). */
  duplicates: number;
  /** Measurements that failed validation and were dropped. */
  invalid: number;
  /** Jobs stored, and jobs whose attempt failed (to be retried by BullMQ). */
  batches: number;
  failedBatches: number;
}

export class Collector {
  private readonly worker: Worker<ResultsJobData, BatchResult>;
  private readonly ownConnection: Redis | null;
  private readonly retention: RetentionTask | null;
  private readonly stats: CollectorCounters = { ingested: 0, duplicates: 0, invalid: 0, batches: 0, failedBatches: 0 };

  constructor(private readonly opts: CollectorOptions) {
    this.ownConnection = typeof opts.redis === "string" ? createRedisConnection(opts.redis, "worker") : null;
    const connection = this.ownConnection ?? (opts.redis as Redis);
    this.worker = new Worker<ResultsJobData, BatchResult>(QUEUES.results, (job) => this.process(job), {
      connection,
      concurrency: opts.concurrency ?? 2,
      lockDuration: opts.lockDurationMs ?? 30_000,
      stalledInterval: opts.stalledIntervalMs ?? 30_000,
    });
    this.worker.on("error", (err) => opts.logger.error({ err }, "collector: worker error"));
    this.worker.on("failed", (job, err) => {
      this.stats.failedBatches += 1;
      opts.logger.error({ err, jobId: job?.id, attempts: job?.attemptsMade }, "collector: batch failed");
    });
    this.retention = opts.retention ? new RetentionTask({ ...opts.retention, store: opts.store, logger: opts.logger }) : null;
    this.retention?.start();
  }

  private async process(job: Job<ResultsJobData, BatchResult>): Promise<BatchResult> {
    const items: unknown = (job.data as { measurements?: unknown } | null)?.measurements;
    if (!Array.isArray(items)) {
      // Not a results batch at all: retrying cannot help; keep it in "failed" for inspection.
      throw new UnrecoverableError("job data has no measurements array");
    }
    const skewMs = this.opts.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
    const valid: Measurement[] = [];
    const rejected: { id: string | null; issues: string[] }[] = [];
    for (const item of items) {
      const parsed = measurementSchema.safeParse(item);
      const id = (item as { id?: unknown } | null)?.id;
      const reject = (issues: string[]) => rejected.push({ id: typeof id === "string" ? id.slice(0, 64) : null, issues });
      if (!parsed.success) {
        reject(parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".")}: ${i.message}`));
        continue;
      }
      // Dates are bounded for every producer, not only uploads: a worker with a broken clock, an old job.
      const receivedAt = parsed.data.receivedAt ? new Date(parsed.data.receivedAt) : new Date(job.timestamp);
      const badDate = startedAtProblem(parsed.data.startedAt, receivedAt, skewMs);
      if (badDate) reject([badDate]);
      else valid.push(parsed.data);
    }
    const invalid = rejected.length;
    if (invalid > 0) {
      // One line per job, not per item: a bad producer must not flood the log. Ids only, never content.
      this.opts.logger.warn({
        jobId: job.id,
        invalid,
        measurementIds: rejected.slice(0, MAX_LOGGED_IDS).map((r) => r.id),
        issues: rejected[0]?.issues,
      }, "collector: invalid measurements dropped");
    }
    const { inserted, duplicates } = await this.opts.store.insertMeasurements(valid);
    // Counted only once the batch is stored, so a retried attempt does not count twice.
    this.stats.ingested += inserted;
    this.stats.duplicates += duplicates;
    this.stats.invalid += invalid;
    this.stats.batches += 1;
    const result = { jobId: job.id ?? "", inserted, duplicates, invalid };
    this.opts.onBatch?.(result);
    if (inserted > 0) this.opts.onStored?.(valid);
    return result;
  }

  counters(): CollectorCounters {
    return { ...this.stats };
  }

  /** Resolves once the worker is connected and taking jobs. */
  async waitUntilReady(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  /**
   * Stops taking jobs and waits for the ones in flight to be stored. With force, returns at once: jobs
   * in flight are left to stall and another collector stores them (idempotently) later.
   */
  async close(opts: { force?: boolean } = {}): Promise<void> {
    await this.worker.close(opts.force ?? false);
    await this.retention?.stop();
    if (this.ownConnection) await this.ownConnection.quit().catch(() => this.ownConnection?.disconnect());
  }
}
