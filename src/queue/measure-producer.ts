// Typed producer for measure jobs: each job goes to its probe's queue under the deterministic
// measureJobId, so a slot is scheduled once however many schedulers run.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { JOB_OPTIONS } from "./job-options.js";
import { measureJobId, type MeasureJob } from "./measure-job.js";
import { measureQueueName } from "./names.js";

export class MeasureProducer {
  private readonly queues = new Map<string, Queue<MeasureJob>>();

  /** The connection stays the caller's to close. */
  constructor(private readonly connection: Redis) {}

  private queueFor(job: MeasureJob): Queue<MeasureJob> {
    const name = measureQueueName(job.region, job.probeId);
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue<MeasureJob>(name, { connection: this.connection, defaultJobOptions: JOB_OPTIONS.measure });
      this.queues.set(name, q);
    }
    return q;
  }

  /** Returns the job id; adding an id that already exists (scheduled by another scheduler) changes nothing. */
  async add(job: MeasureJob): Promise<string> {
    const jobId = measureJobId(job.probeId, job.scheduledFor);
    await this.queueFor(job).add("measure", job, { jobId });
    return jobId;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
