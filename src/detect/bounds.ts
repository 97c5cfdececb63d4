// An incident's time bounds. Windows give them to the window; the raw measurement facts around the
// edges give them to the measurement:
//   startedAt  = the first bad measurement (for `dark`: the start of the first silent window),
//   lastGoodAt = the last normal measurement before it,
//   endedAt    = the first normal measurement of the recovery (not the last bad one), so that
//                [startedAt, endedAt) covers the incident and endedAt is a time things were seen working.
// Pure.
import type { MeasurementFacts } from "../measurement.js";
import type { Finding } from "./evaluate.js";

export interface Bounds {
  startedAt: string;
  lastGoodAt: string | null;
  endedAt: string | null;
}

/** The facts a Detector fetched around a finding's edges (any order, any extra targets). */
export interface EdgeFacts {
  /** The window before the first bad one and the first bad window. */
  opening: readonly MeasurementFacts[];
  /** The first window of the recovery (empty while open). */
  recovery: readonly MeasurementFacts[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Bounds from the windows alone: used when raw facts are gone (pruned) or not fetched. */
export function windowBounds(f: Finding): Bounds {
  return {
    startedAt: iso(f.firstBad.start),
    lastGoodAt: f.lastGood ? iso(f.lastGood.lastAt) : null,
    endedAt: f.recovery ? iso(f.recovery.start) : null,
  };
}

/** Bounds to the measurement, falling back to windowBounds where the facts say nothing. */
export function refineBounds(f: Finding, facts: EdgeFacts): Bounds {
  const approx = windowBounds(f);
  const affected = new Set(f.affectedUrls);
  // dark has no bad measurements; every measurement of the region is a sign of life.
  const relevant = (m: MeasurementFacts): boolean => f.kind === "dark" || affected.size === 0 || affected.has(m.url);
  const isBad = (m: MeasurementFacts): boolean => relevant(m) && (f.kind === "throttling" || !m.accessible);
  const isGood = (m: MeasurementFacts): boolean => relevant(m) && (f.kind === "dark" || m.accessible);
  const byTime = (a: MeasurementFacts, b: MeasurementFacts): number => Date.parse(a.startedAt) - Date.parse(b.startedAt);

  let startedAt = approx.startedAt;
  if (f.kind !== "dark") {
    const firstBad = facts.opening
      .filter((m) => Date.parse(m.startedAt) >= f.firstBad.start && Date.parse(m.startedAt) < f.firstBad.end && isBad(m))
      .sort(byTime)[0];
    if (firstBad) startedAt = firstBad.startedAt;
  }
  const startMs = Date.parse(startedAt);
  const goodBefore = facts.opening.filter((m) => Date.parse(m.startedAt) < startMs && isGood(m)).sort(byTime);
  const lastGood = goodBefore[goodBefore.length - 1];
  const lastGoodAt = lastGood ? lastGood.startedAt : approx.lastGoodAt;
  let endedAt = approx.endedAt;
  if (f.recovery) {
    const rec = f.recovery;
    const first = facts.recovery
      .filter((m) => Date.parse(m.startedAt) >= rec.start && Date.parse(m.startedAt) < rec.end && isGood(m))
      .sort(byTime)[0];
    if (first) endedAt = first.startedAt;
  }
  return { startedAt, lastGoodAt, endedAt };
}
