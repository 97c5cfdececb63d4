// The collector's check of a results job's items: every producer's, whoever reached Redis. Each item must
// pass the Measurement schema and be dated within bounds; the schema's output (unknown keys stripped) is
// what gets stored. parseMeasurement is the schema's safeParse without its copy when the item already is
// that output (src/measurement-check.ts): same acceptance, same errors, same stored JSON.
import { parseMeasurement } from "../measurement-check.js";
import { startedAtProblem, type Measurement } from "../measurement.js";

export interface RejectedItem {
  /** The item's id when it has a string one (cut to 64 characters), for the log; never its content. */
  id: string | null;
  issues: string[];
}

/** jobTimestamp: when the job was queued, the receive time of items without one (older producers). */
export function validateBatch(items: unknown[], jobTimestamp: number, maxClockSkewMs: number): { valid: Measurement[]; rejected: RejectedItem[] } {
  const valid: Measurement[] = [];
  const rejected: RejectedItem[] = [];
  for (const item of items) {
    const parsed = parseMeasurement(item);
    const id = (item as { id?: unknown } | null)?.id;
    const reject = (issues: string[]) => rejected.push({ id: typeof id === "string" ? id.slice(0, 64) : null, issues });
    if (!parsed.success) {
      reject(parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".")}: ${i.message}`));
      continue;
    }
    // Dates are bounded for every producer, not only uploads: a worker with a broken clock, an old job.
    const receivedAt = parsed.data.receivedAt ? new Date(parsed.data.receivedAt) : new Date(jobTimestamp);
    const badDate = startedAtProblem(parsed.data.startedAt, receivedAt, maxClockSkewMs);
    if (badDate) reject([badDate]);
    else valid.push(parsed.data);
  }
  return { valid, rejected };
}
