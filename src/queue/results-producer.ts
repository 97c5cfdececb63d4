// Typed producer for the "results" queue: splits a batch into jobs of at most MAX_RESULTS_BATCH
// measurements, each with a content-derived id, added atomically.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { inSchemaKeyOrder } from "../measurement-check.js";
import type { Measurement } from "../measurement.js";
import { JOB_OPTIONS } from "./job-options.js";
import { QUEUES } from "./names.js";
import { retryFailedResults } from "./results-recovery.js";
import { MAX_RESULTS_BATCH, RESULTS_JOB_NAME, resultsJobId, type ResultsJobData } from "./results-job.js";

export class ResultsProducer {
  private readonly queue: Queue<ResultsJobData>;
  private readonly batchSize: number;

  /** The connection stays the caller's to close (a producer connection from createRedisConnection). */
  constructor(connection: Redis, opts: { batchSize?: number } = {}) {
    this.batchSize = Math.min(opts.batchSize ?? MAX_RESULTS_BATCH, MAX_RESULTS_BATCH);
    this.queue = new Queue<ResultsJobData>(QUEUES.results, { connection, defaultJobOptions: JOB_OPTIONS.results });
  }

  /**
   * Queues the measurements; resolves once Redis has accepted every job (with AOF on, they survive a
   * restart). Returns the job ids; re-adding the same measurements returns the same ids and adds nothing,
   * except that a job of the same id sitting in "failed" is moved back to wait: the re-upload is taken again.
   */
  async add(measurements: Measurement[]): Promise<string[]> {
    const jobs: { name: string; data: ResultsJobData; opts: { jobId: string } }[] = [];
    for (let i = 0; i < measurements.length; i += this.batchSize) {
      // In the schema's key order, so the collector can use each one without copying it (measurement-check.ts).
      const chunk = measurements.slice(i, i + this.batchSize).map(inSchemaKeyOrder);
      jobs.push({ name: RESULTS_JOB_NAME, data: { measurements: chunk }, opts: { jobId: resultsJobId(chunk) } });
    }
    if (jobs.length === 0) return [];
    await this.queue.addBulk(jobs);
    const ids = jobs.map((j) => j.opts.jobId);
    await retryFailedResults(this.queue, ids);
    return ids;
  }

  /** Jobs waiting, active, delayed, … (for metrics and tests). */
  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts();
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
