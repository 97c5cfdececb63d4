// Redis connections for BullMQ from a redis:// or rediss:// URL. Workers must wait out outages
// (maxRetriesPerRequest: null, as BullMQ requires for blocking commands); producers fail fast instead
// (enableOfflineQueue: false) so an upload gets a quick 503 and the agent keeps its spool.
import { Redis } from "ioredis";

export type ConnectionRole = "worker" | "producer";

export function createRedisConnection(url: string, role: ConnectionRole): Redis {
  if (!/^rediss?:\/\//.test(url)) throw new TypeError("Redis URL must start with redis:// or rediss://");
  return new Redis(url, role === "worker"
    ? { maxRetriesPerRequest: null }
    : { maxRetriesPerRequest: 1, enableOfflineQueue: false });
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
