// Redis runs with maxmemory and noeviction: when full, it refuses writes, and an upload half-queued is an
// upload refused late. The guard reads INFO memory (used_memory vs maxmemory), caches the answer briefly
// (uploads arrive in bursts; one INFO per second or two is enough), and says "no room" above a high-water
// mark so uploads get 503 while there is still room for the collector's own bookkeeping. A Redis without a
// maxmemory (an external one configured so) is never reported full.
import type { Redis } from "ioredis";

export interface MemoryReading {
  usedBytes: number;
  maxBytes: number;
  /** Below the high-water mark (always true without maxmemory). */
  hasRoom: boolean;
}

export function parseInfoMemory(info: string, highWater: number): MemoryReading {
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, "m").exec(info)?.[1] ?? 0);
  const usedBytes = field("used_memory");
  const maxBytes = field("maxmemory");
  return { usedBytes, maxBytes, hasRoom: maxBytes === 0 || usedBytes < maxBytes * highWater };
}

export class RedisMemoryGuard {
  private cached: { at: number; reading: MemoryReading } | null = null;
  private pending: Promise<MemoryReading> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly highWater = 0.9,
    private readonly cacheMs = 1_500,
  ) {}

  /** The latest reading, at most cacheMs old; rejects when Redis does not answer (command timeout). */
  async reading(): Promise<MemoryReading> {
    const now = performance.now();
    if (this.cached && now - this.cached.at < this.cacheMs) return this.cached.reading;
    // Concurrent uploads share one INFO call.
    this.pending ??= this.redis
      .info("memory")
      .then((info) => {
        const reading = parseInfoMemory(info, this.highWater);
        this.cached = { at: performance.now(), reading };
        return reading;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}
