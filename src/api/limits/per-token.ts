// Per probe token: upload requests per minute, measurements per minute (counted after the batch is read,
// so one large batch overdraws and the next request waits) and uploads in flight at once. All three answer
// 429 with Retry-After: the token is over its own share; the agent keeps its spool and retries later.
// Keys are token hashes (never the plain token).
import type { MiddlewareHandler } from "hono";
import type { UploadLimits } from "../../config/schema.js";
import type { ProbeToken } from "../../store/store.js";
import { tooManyRequests } from "./responses.js";
import { TokenBuckets } from "./token-bucket.js";

const MINUTE = 60_000;

/** Set by the upload handler: how many measurements the batch held (accepted or not). */
export const UPLOAD_ITEMS = "uploadItems";

export type PerTokenEnv = { Variables: { probeToken: ProbeToken; uploadItems?: number } };

export function perTokenLimits(
  limits: Pick<UploadLimits, "requestsPerMinute" | "measurementsPerMinute" | "concurrentPerToken">,
  onRefuse: (reason: string) => void = () => undefined,
): MiddlewareHandler<PerTokenEnv> {
  const requests = new TokenBuckets(limits.requestsPerMinute, MINUTE);
  const items = new TokenBuckets(limits.measurementsPerMinute, MINUTE);
  const inFlight = new Map<string, number>();
  return async function perTokenLimits(c, next) {
    const key = c.get("probeToken").tokenHash;
    const itemWait = items.waitMs(key);
    if (itemWait > 0) {
      onRefuse("token_measurements");
      throw tooManyRequests(`more than ${limits.measurementsPerMinute} measurements a minute for this token`, itemWait);
    }
    const running = inFlight.get(key) ?? 0;
    if (running >= limits.concurrentPerToken) {
      onRefuse("token_concurrency");
      throw tooManyRequests(`at most ${limits.concurrentPerToken} uploads at once per token; wait for one to finish`, 1_000);
    }
    const r = requests.take(key);
    if (!r.ok) {
      onRefuse("token_requests");
      throw tooManyRequests(`more than ${limits.requestsPerMinute} uploads a minute for this token`, r.retryAfterMs);
    }
    inFlight.set(key, running + 1);
    try {
      await next();
    } finally {
      const left = (inFlight.get(key) ?? 1) - 1;
      if (left <= 0) inFlight.delete(key);
      else inFlight.set(key, left);
      const n = c.get(UPLOAD_ITEMS);
      if (typeof n === "number" && n > 0) items.charge(key, n);
    }
  };
}
