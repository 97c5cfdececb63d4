// Durations as the probes report them: seconds rounded to the microsecond. A difference of two
// performance.now() values divided by 1000 carries ten or so digits of float noise (0.043187262999999) far
// below the clock's real resolution; stored, each noisy timing cost ~7 compressed bytes, rounded ~2.
// toFixed(6) rounds the exact binary value (Math.round(s * 1e6) / 1e6 does not: the product is rounded first,
// and above ~2^32 s it is off by one microsecond and rounds again differently). Number() of that decimal is the
// double nearest it, and JavaScript prints the shortest decimal that reads back as the same double, so the
// JSON never has more than 6 decimals (tests/probes/duration.test.ts checks this against exact arithmetic).

/** Above this a double's spacing is wider than 1 µs, so it already prints with at most 6 decimals. */
const COARSER_THAN_MICROSECONDS = 2 ** 33;

/**
 * Seconds rounded to the microsecond, never negative. Non-finite values pass through as the probes reported
 * them before (NaN stays NaN, Infinity stays Infinity; -Infinity clamps to 0 like any negative).
 */
export function roundSeconds(seconds: number): number {
  const s = Math.max(0, seconds);
  if (!Number.isFinite(s) || s >= COARSER_THAN_MICROSECONDS) return s;
  return Number(s.toFixed(6));
}

/** Seconds from `fromMs` to `toMs` (performance.now() milliseconds), to the microsecond; null if either is null. */
export function durationSeconds(fromMs: number, toMs: number): number;
export function durationSeconds(fromMs: number | null, toMs: number | null): number | null;
export function durationSeconds(fromMs: number | null, toMs: number | null): number | null {
  return fromMs === null || toMs === null ? null : roundSeconds((toMs - fromMs) / 1000);
}

/**
 * A transfer rate in bytes per second, to the whole byte: the rate is bytes over seconds known to the
 * microsecond, so digits below 1 B/s of a rate in kB/s or MB/s are noise (the CSV export already prints it so).
 * A trickle under 1 B/s keeps 3 decimals rather than being flattened to 0 or 1.
 */
export function roundRate(bytesPerSecond: number): number {
  const r = Math.max(0, bytesPerSecond);
  if (!Number.isFinite(r)) return r;
  return r >= 1 ? Math.round(r) : Number(r.toFixed(3));
}
