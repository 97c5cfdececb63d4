// Taking failed results jobs back. A results job holds measurements already answered 2xx, so "failed" is
// never an end state for it: jobs that ran out of attempts under an older version (or stalled past BullMQ's
// limit when a collector crashed twice mid-job) are put back when a collector starts, and a re-upload whose
// content-derived job id meets a failed job revives that job (BullMQ's add() silently keeps the failed one).
import { Job, type Queue } from "bullmq";
import type { Redis } from "ioredis";

/**
 * Moves failed jobs back to wait with fresh attempt counts: the given ids where they are failed, or every
 * failed job. Returns how many were moved.
 */
export async function retryFailedResults(queue: Queue, ids?: readonly string[]): Promise<number> {
  const client = (await queue.client) as unknown as Redis;
  let failed: string[];
  if (ids) {
    if (ids.length === 0) return 0;
    const pipeline = client.pipeline();
    for (const id of ids) pipeline.zscore(queue.keys.failed!, id);
    const scores = (await pipeline.exec()) ?? [];
    failed = ids.filter((_, i) => scores[i]?.[1] !== null && scores[i]?.[1] !== undefined);
  } else {
    failed = await client.zrange(queue.keys.failed!, 0, -1);
  }
  let moved = 0;
  for (const id of failed) {
    const job = await Job.fromId(queue, id);
    if (!job) continue;
    try {
      await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
      moved += 1;
    } catch {
      // No longer failed: another collector's sweep or a concurrent re-upload moved it first.
    }
  }
  return moved;
}
