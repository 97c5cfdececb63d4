// A small keyed cache for computed responses: concurrent requests for the same key share one computation,
// and a result is reused for ttlMs (monotonic time). Bounded: the oldest entry goes when it is full. A crowd
// opening the same shared timeline link costs one store read per ttl, not one per reader.
export class ResponseCache<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();

  constructor(private readonly ttlMs: number, private readonly maxEntries = 256) {}

  get(key: string, compute: () => Promise<V>): Promise<V> {
    const now = performance.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = compute();
    if (this.ttlMs <= 0) return value;
    this.entries.delete(key);
    this.entries.set(key, { at: now, value });
    // A failed computation is not cached.
    value.catch(() => this.entries.get(key)?.value === value && this.entries.delete(key));
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}
