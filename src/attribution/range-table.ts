// Sorted, non-overlapping inclusive IP ranges, each with one 32-bit value, in typed arrays searched by
// bisection. An IPv4 address is one 32-bit word, an IPv6 address four (most significant first), so one
// table type serves both families: 412,000 IPv4 ranges take 4.9 MB, not the ~60 MB of row objects.

/** Appends ranges into growing typed arrays, then freezes them into a RangeTable. */
export class RangeTableBuilder {
  private starts: Uint32Array;
  private ends: Uint32Array;
  private values: Uint32Array;
  private count = 0;
  /** Rows cut short or dropped because they overlapped the row before (the published data has a few). */
  clipped = 0;

  constructor(readonly words: 1 | 4, capacity = 1024) {
    this.starts = new Uint32Array(capacity * words);
    this.ends = new Uint32Array(capacity * words);
    this.values = new Uint32Array(capacity);
  }

  /**
   * start and end: `words` words each, most significant first. A row overlapping the one before keeps
   * only its part after it (the earlier row wins), or is dropped when nothing is left.
   */
  add(start: Uint32Array, end: Uint32Array, value: number): void {
    const w = this.words;
    if (compare(start, 0, end, 0, w) > 0) {
      this.clipped++;
      return;
    }
    if (this.count > 0 && compare(this.ends, this.count - 1, start, 0, w) >= 0) {
      this.clipped++;
      if (compare(this.ends, this.count - 1, end, 0, w) >= 0) return;
      start = this.ends.slice((this.count - 1) * w, this.count * w);
      increment(start);
    }
    if (this.count === this.values.length) this.grow();
    this.starts.set(start.subarray(0, w), this.count * w);
    this.ends.set(end.subarray(0, w), this.count * w);
    this.values[this.count] = value;
    this.count++;
  }

  private grow(): void {
    const more = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.starts = more(this.starts);
    this.ends = more(this.ends);
    this.values = more(this.values);
  }

  /** The table, trimmed to its rows; throws when the ranges are not sorted and disjoint. */
  build(): RangeTable {
    const w = this.words;
    const table = new RangeTable(w, this.starts.slice(0, this.count * w), this.ends.slice(0, this.count * w), this.values.slice(0, this.count));
    table.checkOrder();
    return table;
  }
}

/** Adds one to a multi-word number in place (it is below the maximum: an end after it exists). */
function increment(words: Uint32Array): void {
  for (let k = words.length - 1; k >= 0; k--) {
    words[k] = (words[k]! + 1) >>> 0;
    if (words[k] !== 0) return;
  }
}

/** -1, 0, 1 as a (words-long, at index i) compares with b (words-long, at index j). */
function compare(a: Uint32Array, i: number, b: Uint32Array, j: number, words: number): number {
  for (let k = 0; k < words; k++) {
    const x = a[i * words + k]!;
    const y = b[j * words + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export class RangeTable {
  constructor(
    readonly words: 1 | 4,
    private readonly starts: Uint32Array,
    private readonly ends: Uint32Array,
    private readonly values: Uint32Array,
  ) {}

  get size(): number {
    return this.values.length;
  }

  get bytes(): number {
    return this.starts.byteLength + this.ends.byteLength + this.values.byteLength;
  }

  /** The value of the range holding `address` (`words` words), or null. */
  find(address: Uint32Array): number | null {
    const w = this.words;
    // The last range whose start <= address.
    let lo = 0;
    let hi = this.values.length - 1;
    let hit = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.starts, mid, address, 0, w) <= 0) {
        hit = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (hit < 0 || compare(address, 0, this.ends, hit, w) > 0) return null;
    return this.values[hit]!;
  }

  checkOrder(): void {
    const w = this.words;
    for (let i = 0; i < this.values.length; i++) {
      if (compare(this.starts, i, this.ends, i, w) > 0) throw new Error(`range ${i + 1} ends before it starts`);
      if (i > 0 && compare(this.ends, i - 1, this.starts, i, w) >= 0) throw new Error(`range ${i + 1} is out of order or overlaps the one before`);
    }
  }
}
