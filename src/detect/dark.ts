// Dark regions: every probe of a region silent for darkAfterSeconds while other regions (or the control
// vantage) still report, so the silence is the region's and not the collector's. A short gap (a probe
// restarting) stays below darkAfterSeconds and is not dark. Pure.
import type { SeriesWindow } from "./hysteresis.js";
import type { WindowIndex } from "./window.js";

/**
 * What darkness needs to know: which regions reported in which window (with their newest measurement)
 * and whether the control vantage did. A WindowIndex is one; so is an activity summary of networkStats.
 */
export type ActivityIndex = Pick<WindowIndex, "windowMs"> & {
  readonly reporting: ReadonlyMap<number, ReadonlyMap<string, number>>;
  readonly control: ReadonlyMap<number, { readonly size: number }>;
};

export interface DarkWindow extends SeriesWindow {
  region: string;
  /** Newest measurement of the region before this window ended (epoch ms), null when never seen. */
  lastHeard: number | null;
  /** Other regions reporting in this window or the one before. */
  othersReporting: number;
}

/**
 * Per window start in [from, now): the regions reporting in that window or the one before, plus
 * "control" when the control vantage did. The same for every region, so findings compute it once.
 */
export function reportersAround(index: ActivityIndex, from: number, now: number): Map<number, Set<string>> {
  const { windowMs } = index;
  const out = new Map<number, Set<string>>();
  for (let start = Math.floor(from / windowMs) * windowMs; start < now; start += windowMs) {
    const around = new Set<string>();
    for (const s of [start, start - windowMs]) {
      for (const r of index.reporting.get(s)?.keys() ?? []) around.add(r);
      if ((index.control.get(s)?.size ?? 0) > 0) around.add("control");
    }
    out.set(start, around);
  }
  return out;
}

/**
 * One verdict per window from `from` to `now` for `region`: bad/"dark", good (the region reported) or
 * insufficient (silent but not yet for long enough, never seen, or nobody else reporting either).
 * `lastSeenBefore` is the region's newest measurement from before the indexed rows, if known.
 */
export function darkSeries(
  region: string,
  index: ActivityIndex,
  from: number,
  now: number,
  darkAfterSeconds: number,
  lastSeenBefore: number | null,
  around: ReadonlyMap<number, ReadonlySet<string>> = reportersAround(index, from, now),
): DarkWindow[] {
  const { windowMs } = index;
  let firstIndexed = from;
  for (const s of index.reporting.keys()) if (s < firstIndexed) firstIndexed = s;
  let lastHeard = lastSeenBefore;
  const out: DarkWindow[] = [];
  for (let start = Math.floor(firstIndexed / windowMs) * windowMs; start < now; start += windowMs) {
    const end = start + windowMs;
    const heard = index.reporting.get(start)?.get(region);
    if (heard !== undefined) lastHeard = Math.max(lastHeard ?? 0, heard);
    if (start < from) continue;
    const reporters = around.get(start);
    const others = reporters ? reporters.size - (reporters.has(region) ? 1 : 0) : 0;
    const base = { region, start, end, lastHeard, othersReporting: others };
    if (heard !== undefined) {
      out.push({ ...base, lastAt: heard, status: "good" });
      continue;
    }
    const silentFor = Math.min(end, now) - (lastHeard ?? Number.POSITIVE_INFINITY);
    const dark = lastHeard !== null && silentFor >= darkAfterSeconds * 1000 && others > 0;
    out.push({ ...base, lastAt: lastHeard ?? start, status: dark ? "bad" : "insufficient", ...(dark ? { kind: "dark" as const } : {}) });
  }
  return out;
}
