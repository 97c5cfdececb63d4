// The collector: a BullMQ worker on "results" that validates each measurement, stores each job's valid
// ones in one store transaction (idempotent by measurement id, so a redelivered job changes nothing) and
// keeps counters for /metrics. The store keeps probe last-seen in that same transaction.
//
// Accepted means kept: when the store is unavailable (locked, full, failing) the job is postponed with
// capped exponential backoff, as often and as long as it takes; it never runs out of attempts. Only an item
// the store itself refuses is dropped, on its own, so one bad item cannot hold a batch back forever.
import { DelayedError, Queue, UnrecoverableError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { DEFAULT_MAX_CLOCK_SKEW_MS, type Measurement } from "../measurement.js";
import { createRedisConnection } from "../queue/connection.js";
import { RESULTS_STORE_BACKOFF, backoffDelay, type Backoff } from "../queue/job-options.js";
import { QUEUES } from "../queue/names.js";
import { isStoredResultsJobData, storedResultsJobData, type ResultsJobData, type StoredResultsJobData } from "../queue/results-job.js";
import { retryFailedResults } from "../queue/results-recovery.js";
import { ResultsWorker } from "../queue/results-worker.js";
import { isStoreUnavailable, storeUnavailability } from "../store/errors.js";
import type { InsertResult, Store } from "../store/store.js";
import { RetentionTask, type RetentionOptions } from "./retention.js";
import { validateBatch } from "./validate-batch.js";

/** Invalid ids listed per log line; the count is always complete. */
const MAX_LOGGED_IDS = 100;
/** At most one "store unavailable" log line per this interval, however many jobs are postponed. */
const POSTPONE_LOG_INTERVAL_MS = 10_000;
/** A results job as queued, or as left in Redis once stored (a redelivery of which stores nothing). */
type JobData = ResultsJobData | StoredResultsJobData;

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
  /** Wait between attempts while the store is unavailable (tests compress it). */
  storeBackoff?: Backoff;
  /** Move failed results jobs back to wait on start (default true). */
  retryFailedOnStart?: boolean;
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
  /** Attempts postponed because the store was unavailable (each is retried later). */
  postponedBatches: number;
  /** Failed jobs moved back to wait when this collector started. */
  revivedBatches: number;
}

export class Collector {
  private readonly worker: ResultsWorker<JobData, BatchResult>;
  private readonly ownConnection: Redis | null;
  private readonly retention: RetentionTask | null;
  private readonly stats: CollectorCounters = {
    ingested: 0, duplicates: 0, invalid: 0, batches: 0, failedBatches: 0, postponedBatches: 0, revivedBatches: 0,
  };
  private readonly backoff: Backoff;
  private readonly revived: Promise<void>;
  private lastPostponeLog = 0;
  private postponedSinceLog = 0;

  constructor(private readonly opts: CollectorOptions) {
    this.ownConnection = typeof opts.redis === "string" ? createRedisConnection(opts.redis, "worker") : null;
    const connection = this.ownConnection ?? (opts.redis as Redis);
    this.backoff = opts.storeBackoff ?? RESULTS_STORE_BACKOFF;
    this.worker = new ResultsWorker<JobData, BatchResult>(QUEUES.results, (job, token) => this.process(job, token), {
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
    this.revived = opts.retryFailedOnStart === false ? Promise.resolve() : this.reviveFailed(connection);
  }

  /** Failed results jobs (from older versions, or stalled past BullMQ's limit) go back to wait. */
  private async reviveFailed(connection: Redis): Promise<void> {
    const queue = new Queue(QUEUES.results, { connection });
    try {
      const n = await retryFailedResults(queue);
      this.stats.revivedBatches += n;
      if (n > 0) this.opts.logger.warn({ jobs: n }, "collector: failed results jobs moved back to wait");
    } catch (err) {
      // Redis down at start: the jobs stay failed until the next start or a re-upload of the same batch.
      this.opts.logger.error({ err }, "collector: could not take back failed results jobs");
    } finally {
      await queue.close();
    }
  }

  private async process(job: Job<JobData, BatchResult>, token?: string): Promise<BatchResult> {
    // Stored and trimmed before; its completion was lost (collector killed, Redis restarted): nothing to store.
    if (isStoredResultsJobData(job.data)) return { jobId: job.id ?? "", inserted: 0, duplicates: 0, invalid: 0 };
    const items: unknown = (job.data as { measurements?: unknown } | null)?.measurements;
    if (!Array.isArray(items)) {
      // Not a results batch at all: retrying cannot help; keep it in "failed" for inspection.
      throw new UnrecoverableError("job data has no measurements array");
    }
    const skewMs = this.opts.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
    const { valid, rejected } = validateBatch(items, job.timestamp, skewMs);
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
    let stored: InsertResult & { refused: number };
    try {
      stored = await this.store(job, valid);
    } catch (err) {
      if (!isStoreUnavailable(err) || token === undefined) throw err;
      return this.postpone(job, token, err);
    }
    const { inserted, duplicates, refused } = stored;
    // Trimmed first, so a batch counted is one that has left only its counts in Redis.
    await this.trimPayload(job, items.length, rejected.map((r) => r.id));
    // Counted only once the batch is stored, so a retried attempt does not count twice.
    this.stats.ingested += inserted;
    this.stats.duplicates += duplicates;
    this.stats.invalid += invalid + refused;
    this.stats.batches += 1;
    const result = { jobId: job.id ?? "", inserted, duplicates, invalid: invalid + refused };
    try {
      this.opts.onBatch?.(result);
      if (inserted > 0) this.opts.onStored?.(valid);
    } catch (err) {
      // The batch is stored; a metrics callback must not send it round again.
      this.opts.logger.error({ err, jobId: job.id }, "collector: batch callback failed");
    }
    return result;
  }

  /** The stored job keeps counts and dropped ids in Redis, not its payload (StoredResultsJobData). */
  private async trimPayload(job: Job<JobData, BatchResult>, measurements: number, droppedIds: (string | null)[]): Promise<void> {
    try {
      await job.updateData(storedResultsJobData(measurements, droppedIds));
    } catch (err) {
      // The batch is stored; a job that keeps its payload costs memory until removeOnComplete takes it.
      this.opts.logger.warn({ err, jobId: job.id }, "collector: could not trim a stored job's payload");
    }
  }

  /**
   * One transaction for the batch. If the store refuses it for something in the data (not unavailability),
   * the items are stored one by one and only those it refuses are dropped. Unavailability propagates.
   */
  private async store(job: Job, valid: Measurement[]): Promise<InsertResult & { refused: number }> {
    try {
      return { ...(await this.opts.store.insertMeasurements(valid)), refused: 0 };
    } catch (err) {
      if (isStoreUnavailable(err)) throw err;
      this.opts.logger.warn({ err, jobId: job.id }, "collector: store refused the batch; storing its items one by one");
    }
    const out = { inserted: 0, duplicates: 0, refused: 0 };
    const refusedIds: string[] = [];
    for (const m of valid) {
      try {
        const r = await this.opts.store.insertMeasurements([m]);
        out.inserted += r.inserted;
        out.duplicates += r.duplicates;
      } catch (err) {
        if (isStoreUnavailable(err)) throw err;
        out.refused += 1;
        if (refusedIds.length < MAX_LOGGED_IDS) refusedIds.push(m.id);
      }
    }
    if (out.refused > 0) {
      this.opts.logger.warn({ jobId: job.id, refused: out.refused, measurementIds: refusedIds },
        "collector: measurements refused by the store dropped");
    }
    return out;
  }

  /** Puts the job back as delayed, without using up an attempt, and tells BullMQ so (DelayedError). */
  private async postpone(job: Job, token: string, err: unknown): Promise<never> {
    const delayMs = backoffDelay(job.attemptsStarted, this.backoff);
    await job.moveToDelayed(Date.now() + delayMs, token);
    this.stats.postponedBatches += 1;
    this.postponedSinceLog += 1;
    const now = Date.now();
    if (now - this.lastPostponeLog >= POSTPONE_LOG_INTERVAL_MS) {
      this.opts.logger.warn({ err, store: storeUnavailability(err), postponed: this.postponedSinceLog, retryInMs: delayMs },
        "collector: store unavailable; batches postponed, nothing dropped");
      this.lastPostponeLog = now;
      this.postponedSinceLog = 0;
    }
    throw new DelayedError();
  }

  counters(): CollectorCounters {
    return { ...this.stats };
  }

  /** Resolves once the worker is connected and taking jobs. */
  async waitUntilReady(): Promise<void> {
    await this.worker.waitUntilReady();
    await this.revived;
  }

  /**
   * Stops taking jobs and waits for the ones in flight to be stored. With force, returns at once: jobs
   * in flight are left to stall and another collector stores them (idempotently) later.
   */
  async close(opts: { force?: boolean } = {}): Promise<void> {
    await this.worker.close(opts.force ?? false);
    // Not awaiting this.revived: with Redis down it waits for Redis; closing the connection ends it.
    await this.retention?.stop();
    if (this.ownConnection) await this.ownConnection.quit().catch(() => this.ownConnection?.disconnect());
  }
}
