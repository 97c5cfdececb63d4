// Token buckets keyed by a string (a token hash, a keyed address hash, "global"): each key holds up to
// `capacity` tokens and regains `capacity` per `periodMs`. A charge may overdraw a bucket (a big batch is
// let through once, and the next request waits until the debt is paid back). Memory is bounded: full
// buckets are forgotten (a missing key is a full bucket) and past `maxKeys` the oldest keys go first.

export type Take = { ok: true } | { ok: false; retryAfterMs: number };

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    private readonly capacity: number,
    periodMs: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.perMs = capacity / periodMs;
  }

  private level(key: string, t: number): number {
    const b = this.buckets.get(key);
    if (!b) return this.capacity;
    return Math.min(this.capacity, b.tokens + (t - b.at) * this.perMs);
  }

  private set(key: string, tokens: number, t: number): void {
    this.buckets.delete(key); // Re-inserted last: Map order is then least recently used first.
    if (tokens >= this.capacity) return;
    this.buckets.set(key, { tokens, at: t });
    if (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }

  /** Takes `cost` tokens if the bucket holds them all; otherwise takes nothing and says when to retry. */
  take(key: string, cost = 1): Take {
    const t = this.now();
    const level = this.level(key, t);
    if (level >= cost) {
      this.set(key, level - cost, t);
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((cost - level) / this.perMs) };
  }

  /** How long until the bucket holds at least one whole token again (0 = now). */
  waitMs(key: string): number {
    const level = this.level(key, this.now());
    return level >= 1 ? 0 : Math.ceil((1 - level) / this.perMs);
  }

  /** Takes `cost` tokens, going into debt if needed. */
  charge(key: string, cost: number): void {
    const t = this.now();
    this.set(key, this.level(key, t) - cost, t);
  }

  /** Keys currently remembered (for tests of the memory bound). */
  get size(): number {
    return this.buckets.size;
  }
}
