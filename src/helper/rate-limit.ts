// Per-token rate limit for the test helper: a token bucket per probe (each control request costs the helper
// a DNS lookup, connects and a download, so a leaked or buggy probe must not turn it into a scanner).
// In memory: a restart refills every bucket, which costs at most one burst per probe.

export interface RateLimitSettings {
  /** Sustained requests per minute per probe. */
  perMinute: number;
  /** Requests a probe may make at once after a quiet spell. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept at most: the oldest is dropped beyond this (a dropped bucket starts full again). */
const MAX_BUCKETS = 10_000;

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly settings: RateLimitSettings, private readonly now: () => number = () => Date.now()) {}

  /** Takes one token for `key`: 0 when allowed, else the seconds until the next token. */
  take(key: string): number {
    const now = this.now();
    const rate = this.settings.perMinute / 60_000; // tokens per ms
    const b = this.buckets.get(key) ?? { tokens: this.settings.burst, at: now };
    b.tokens = Math.min(this.settings.burst, b.tokens + (now - b.at) * rate);
    b.at = now;
    this.buckets.delete(key); // re-insert: Map order is then least recently used first
    this.buckets.set(key, b);
    if (this.buckets.size > MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / rate / 1000);
  }
}
