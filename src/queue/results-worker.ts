// The BullMQ Worker the collector runs on "results", differing from BullMQ's in one thing: completing a job
// does not fetch the next one in the same call. BullMQ's moveToFinished checks its reply with `result < 0`;
// when the reply carries the next job (an array holding its data, 2.4 MB for a job of 1,000 measurements),
// that comparison turns the whole array into a string and parses it as a number: ≈ 20 ms of CPU per job on
// this machine, more than parsing the JSON. Without the prefetch the worker's main loop takes the next job
// with moveToActive, whose reply is not compared: one more round trip per job, 26–36 % less CPU per job
// through BullMQ (bench/results-worker.ts). Failed and postponed jobs take the same path. Relies on BullMQ's
// protected handleCompleted/handleFailed (tests/queue/results-worker.test.ts notices if they change).
import { Worker, type Job, type Span } from "bullmq";

export class ResultsWorker<Data, Result> extends Worker<Data, Result> {
  protected override handleCompleted(result: Result, job: Job<Data, Result>, token: string,
    _fetchNext?: () => boolean, span?: Span): Promise<Job<Data, Result>> {
    return super.handleCompleted(result, job, token, () => false, span);
  }

  protected override handleFailed(err: Error, job: Job<Data, Result>, token: string,
    _fetchNext?: () => boolean, span?: Span): Promise<Job<Data, Result>> {
    return super.handleFailed(err, job, token, () => false, span);
  }
}
