// Start-up's wait for Redis (`keepwatch serve`, ./server.ts).
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";
import { waitUntilReady } from "../queue/connection.js";
import { redactRedisUrl } from "../queue/redis-url.js";

/**
 * Waits for Redis as long as it takes (in a deployment it may come up after us), saying so: a warning with the
 * reason after a few seconds and again every 30 s, instead of a silent start that never finishes.
 */
export async function waitForRedis(connection: Redis, url: string, log: Logger, signal?: AbortSignal): Promise<void> {
  let lastError = "";
  const onError = (e: Error) => (lastError = e.message);
  connection.on("error", onError);
  const say = () => log.warn({ redis: redactRedisUrl(url), reason: lastError || "no answer yet" },
    "waiting for Redis: KeepWatch starts once it answers (set REDIS_URL or redis.url if this is the wrong one)");
  const first = setTimeout(say, 3_000);
  const again = setInterval(say, 30_000);
  let onAbort = () => undefined as void;
  // A connection disconnected while it retries does not always emit "end": the stop signal ends the wait itself.
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Error("stopped while waiting for Redis"));
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([waitUntilReady(connection), aborted]);
  } finally {
    clearTimeout(first);
    clearInterval(again);
    connection.off("error", onError);
    signal?.removeEventListener("abort", onAbort);
  }
}
