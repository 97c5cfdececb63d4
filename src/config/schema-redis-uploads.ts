// Configuration of Redis (embedded or external) and of the upload limits (issue 9: supervised embedded Redis,
// backpressure). Part of the configuration schema (./schema.ts).
import { z } from "zod";

/** A Redis memory size: bytes, or a number with kb/mb/gb (as redis.conf writes it). */
export const redisMemorySchema = z
  .union([z.number().int().min(0), z.string().regex(/^\d+\s*(b|kb|mb|gb)?$/i, 'memory size like "256mb", "2gb" or bytes')])
  .transform((v) => {
    if (typeof v === "number") return v;
    const m = /^(\d+)\s*([a-z]*)$/i.exec(v)!;
    const unit = { "": 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[m[2]!.toLowerCase()] ?? 1;
    return Number(m[1]) * unit;
  });

export const redisConfigSchema = z.object({
  /**
   * An existing Redis (REDIS_URL wins); unset = `keepwatch serve` runs its own, supervised. redis://,
   * rediss:// or, for a Redis behind Sentinel, redis-sentinel://host:26379,host2:26379/mastername.
   */
  url: z.string().regex(/^(rediss?|redis-sentinel):\/\/\S+$/, "a redis://, rediss:// or redis-sentinel://host:26379,host2:26379/mastername URL").optional(),
  /** Embedded Redis port on 127.0.0.1; 0 = a free port picked at start (kept across restarts). */
  port: z.number().int().min(0).max(65535).default(0),
  /** Embedded Redis AOF fsync: always (nothing accepted is lost, slower uploads), everysec (≤1 s), no. */
  appendfsync: z.enum(["always", "everysec", "no"]).default("everysec"),
  /** Embedded Redis memory cap (noeviction: beyond it writes fail; uploads get 503 before that). */
  maxmemory: redisMemorySchema.default(256 * 1024 ** 2),
  /** Uploads answer 503 once Redis uses this share of its maxmemory (any Redis that reports one). */
  uploadMemoryHighWater: z.number().gt(0).max(1).default(0.9),
  /** Upload-side Redis commands fail (→ 503) instead of hanging on a frozen Redis: the room check before
   *  a body is read after this long, the enqueue after it was read after three times this long. */
  commandTimeoutMs: z.number().int().min(100).max(60_000).default(3_000),
});

export const uploadLimitsSchema = z.object({
  /** Per probe token: upload requests per minute (token bucket, bursts up to this many). */
  requestsPerMinute: z.number().int().min(1).default(60),
  /** Per probe token: measurements per minute (a batch may overdraw; the next one waits). */
  measurementsPerMinute: z.number().int().min(1).default(20_000),
  /** Per probe token: uploads in flight at once. */
  concurrentPerToken: z.number().int().min(1).default(2),
  /** All uploads: bytes of request bodies in flight at once (503 beyond); at least one maximum body. */
  inFlightBytes: redisMemorySchema.default(16 * 1024 ** 2),
  /** Failed token checks per minute, all clients together, then 429. */
  failedAuthPerMinute: z.number().int().min(1).default(120),
  /** Failed token checks per minute from one client address, then 429. */
  failedAuthPerMinutePerAddress: z.number().int().min(1).default(10),
});
export type RedisConfig = z.infer<typeof redisConfigSchema>;
export type UploadLimits = z.infer<typeof uploadLimitsSchema>;
