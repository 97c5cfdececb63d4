// A probe's worker: takes measure jobs from its own queue, runs the checks and hands the Measurements to
// the results queue. The job completes only after Redis accepted the results, so a crash mid-job means the
// job is retried (stalled-job recovery), never that results are lost.
import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";
import type { MeasureJob } from "../queue/measure-job.js";
import { measureQueueName } from "../queue/names.js";
import type { ResultsProducer } from "../queue/results-producer.js";
import { runChecks, type ProbeIdentity, type TargetChecker } from "./run-checks.js";

export interface MeasureWorkerOptions {
  connection: Redis;
  results: ResultsProducer;
  probe: ProbeIdentity;
  checker: TargetChecker;
  /** Site checks run at once within a job. */
  concurrency: number;
  log: Logger;
  /** Called with each batch after it was queued (metrics, tests). */
  onMeasured?: (count: number) => void;
}

export class MeasureWorker {
  private readonly worker: Worker<MeasureJob, { measured: number }>;
  private readonly abort = new AbortController();

  constructor(private readonly o: MeasureWorkerOptions) {
    this.worker = new Worker<MeasureJob, { measured: number }>(
      measureQueueName(o.probe.region, o.probe.probeId),
      (job) => this.process(job),
      {
        connection: o.connection,
        concurrency: 1,
        // A job measures a whole target list; give it room before BullMQ calls it stalled.
        lockDuration: 120_000,
        autorun: true,
      },
    );
    this.worker.on("failed", (job, err) => o.log.warn({ job: job?.id, err: err.message }, "measure job failed"));
    this.worker.on("error", (err) => o.log.error({ err: err.message }, "measure worker error"));
  }

  private async process(job: Job<MeasureJob>): Promise<{ measured: number }> {
    const measured = await runChecks(this.o.probe, job.data.targets, this.o.checker, this.o.concurrency, this.abort.signal);
    // The server's receive time: for a worker that is when it hands the batch to the results queue.
    const receivedAt = new Date().toISOString();
    const measurements = measured.map((m) => ({ ...m, receivedAt }));
    await this.o.results.add(measurements);
    this.o.onMeasured?.(measurements.length);
    return { measured: measurements.length };
  }

  waitUntilReady(): Promise<unknown> {
    return this.worker.waitUntilReady();
  }

  /** Graceful: lets the job in flight finish and queue its results. */
  async close(): Promise<void> {
    await this.worker.close();
  }
}
