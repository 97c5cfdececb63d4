// The "drain" stop stage: accepted uploads still in the results queue get a bounded chance to be stored.
import type { Logger } from "../log.js";
import type { ResultsProducer } from "../queue/results-producer.js";

/** Waits until accepted uploads in the results queue are stored, for at most `maxMs`; the rest stays queued. */
export async function drainResults(results: ResultsProducer, log: Logger, maxMs = 10_000): Promise<void> {
  const until = performance.now() + maxMs;
  let left = 0;
  while (performance.now() < until) {
    try {
      const c = await results.counts();
      left = (c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0);
    } catch {
      return; // Redis is gone: what it holds is in its AOF and will be stored at the next start.
    }
    if (left === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  log.warn({ jobs: left }, "results still queued at stop; they stay in Redis and are stored at the next start");
}
