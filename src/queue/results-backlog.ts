// The results backlog: jobs holding accepted measurements not yet in the store (waiting, delayed for a
// retry, active, paused, failed) and when the oldest of them was accepted. Read in one Lua call so a scrape
// costs one round trip; the job payloads (up to MBs each) are never fetched.
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";

export interface ResultsBacklogReading {
  jobs: number;
  /** Enqueue time of the oldest pending job; null when there is none. */
  oldestAcceptedAt: Date | null;
}

/** Jobs looked at per sorted set for the oldest time; counts are always exact. */
const SCAN_LIMIT = 10_000;

// KEYS: wait, paused, active (lists), delayed, failed, prioritized (sorted sets). ARGV: job key prefix, scan limit.
// Lists are pushed on the left, so a list's oldest job is its last element.
const SCRIPT = `
local prefix, limit = ARGV[1], tonumber(ARGV[2])
local count, oldest = 0, -1
local function consider(id)
  local ts = tonumber(redis.call('HGET', prefix .. id, 'timestamp'))
  if ts and (oldest < 0 or ts < oldest) then oldest = ts end
end
for i = 1, 2 do
  count = count + redis.call('LLEN', KEYS[i])
  local last = redis.call('LINDEX', KEYS[i], -1)
  if last then consider(last) end
end
local active = redis.call('LRANGE', KEYS[3], 0, -1)
count = count + #active
for _, id in ipairs(active) do consider(id) end
for i = 4, 6 do
  count = count + redis.call('ZCARD', KEYS[i])
  for _, id in ipairs(redis.call('ZRANGE', KEYS[i], 0, limit - 1)) do consider(id) end
end
return {count, oldest}
`;

export class ResultsBacklog {
  constructor(private readonly queue: Queue) {}

  async read(): Promise<ResultsBacklogReading> {
    const k = this.queue.keys;
    // BullMQ types its client narrowly; it is the ioredis connection the queue was given.
    const client = (await this.queue.client) as unknown as Redis;
    const [jobs, oldest] = (await client.eval(SCRIPT, 6, k.wait!, k.paused!, k.active!, k.delayed!, k.failed!,
      k.prioritized!, this.queue.toKey(""), SCAN_LIMIT)) as [number, number];
    return { jobs, oldestAcceptedAt: oldest < 0 ? null : new Date(oldest) };
  }
}
