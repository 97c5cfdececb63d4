// Redis connections for BullMQ from a redis://, rediss:// or redis-sentinel:// URL (./redis-url.ts): every
// connection of every role goes through here, so a Sentinel URL reaches BullMQ's queues and workers too
// (BullMQ duplicates these connections, keeping their options). Workers must wait out outages
// (maxRetriesPerRequest: null, as BullMQ requires for blocking commands); producers fail fast instead
// (enableOfflineQueue: false, one retry, and a command timeout) so an upload gets a quick 503 and the agent
// keeps its spool — also when Redis is up but frozen (stopped, swapping, stuck on a disk), where without a
// timeout a command would wait forever.
import { Redis, type RedisOptions } from "ioredis";
import { parseRedisUrl } from "./redis-url.js";

export type ConnectionRole = "worker" | "producer";

/** Default producer command timeout; `redis.commandTimeoutMs` sets it for the upload path. */
export const PRODUCER_COMMAND_TIMEOUT_MS = 3_000;

export function createRedisConnection(url: string, role: ConnectionRole, opts: { commandTimeoutMs?: number } = {}): Redis {
  const target = parseRedisUrl(url);
  const options: RedisOptions = role === "worker"
    ? { maxRetriesPerRequest: null }
    : {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      commandTimeout: opts.commandTimeoutMs ?? PRODUCER_COMMAND_TIMEOUT_MS,
      // A frozen server keeps the TCP connection open; a dead one is noticed by keepalive.
      keepAlive: 10_000,
    };
  return target.kind === "url" ? new Redis(target.url, options) : new Redis({ ...target.options, ...options });
}

/** Resolves once the connection is usable (a fail-fast producer rejects commands before that). */
export async function waitUntilReady(redis: Redis): Promise<void> {
  if (redis.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const onReady = () => { cleanup(); resolve(); };
    const onEnd = () => { cleanup(); reject(new Error("Redis connection ended before it was ready")); };
    const cleanup = () => { redis.off("ready", onReady); redis.off("end", onEnd); };
    redis.on("ready", onReady);
    redis.on("end", onEnd);
  });
}
