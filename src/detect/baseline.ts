// A region × network's baseline: what is usual for it, from its own trailing history. Robust by
// construction (medians of per-window ratios), and windows that were inside incidents are left out,
// so a site blocked for years has a usual success near 0 and never alarms. Pure; serialisable.
import type { TargetList } from "../measurement.js";
import type { DetectorConfig } from "../config/schema.js";
import { median } from "./median.js";
import type { NetworkWindow } from "./window.js";

export interface TargetBaseline {
  /** Median per-window success ratio. */
  ratio: number;
  /** Median per-window mean throughput (bytes/s), null when never measured. */
  throughput: number | null;
  /** Median per-window mean TLS handshake time (s), null when never measured. */
  tlsHandshake: number | null;
}

export interface Baseline {
  /** Windows the baseline was computed from. */
  windows: number;
  /** Windows starting at or after this (epoch ms) may be judged; null while warming up. */
  judgeableFrom: number | null;
  targets: Record<string, TargetBaseline>;
  /** Median per-window success ratio per list. */
  lists: Partial<Record<TargetList, number>>;
  computedAt: number;
}

/** A time interval [from, to) in epoch ms; `to` null means still open. */
export interface Interval {
  from: number;
  to: number | null;
}

export function insideAny(start: number, end: number, intervals: readonly Interval[]): boolean {
  return intervals.some((i) => start < (i.to ?? Number.POSITIVE_INFINITY) && end > i.from);
}

/**
 * Baseline from `windows` (one region × network), skipping windows with fewer than minSamples
 * measurements and windows overlapping `excluded` (incident intervals).
 */
export function computeBaseline(
  windows: readonly NetworkWindow[],
  excluded: readonly Interval[],
  config: Pick<DetectorConfig, "minSamples" | "warmupWindows">,
  computedAt: number,
): Baseline {
  const builder = new BaselineBuilder(excluded, config);
  builder.add(windows);
  return builder.build(computedAt);
}

/**
 * Accumulates per-window figures chunk by chunk, so a week of history can be read a day at a time and
 * only numbers (not rows) are held. Windows must be added in chronological order.
 */
export class BaselineBuilder {
  private readonly ratios = new Map<string, number[]>();
  private readonly throughputs = new Map<string, number[]>();
  private readonly handshakes = new Map<string, number[]>();
  private readonly listRatios: Record<TargetList, number[]> = { whitelisted: [], non_whitelisted: [] };
  private used = 0;
  private judgeableFrom: number | null = null;

  constructor(
    private readonly excluded: readonly Interval[],
    private readonly config: Pick<DetectorConfig, "minSamples" | "warmupWindows">,
  ) {}

  add(windows: readonly NetworkWindow[]): void {
    for (const w of windows) {
      if (w.total < this.config.minSamples || insideAny(w.start, w.end, this.excluded)) continue;
      this.used += 1;
      // Warm-up: a window is judged only once warmupWindows usable windows of history precede it.
      if (this.used === this.config.warmupWindows) this.judgeableFrom = w.end;
      const listSums: Record<TargetList, { ok: number; total: number }> = {
        whitelisted: { ok: 0, total: 0 },
        non_whitelisted: { ok: 0, total: 0 },
      };
      for (const t of w.targets.values()) {
        push(this.ratios, t.url, t.ok / t.total);
        if (t.throughputCount > 0) push(this.throughputs, t.url, t.throughputSum / t.throughputCount);
        if (t.tlsHandshakeCount > 0) push(this.handshakes, t.url, t.tlsHandshakeSum / t.tlsHandshakeCount);
        listSums[t.list].ok += t.ok;
        listSums[t.list].total += t.total;
      }
      for (const list of ["whitelisted", "non_whitelisted"] as const) {
        const sum = listSums[list];
        if (sum.total > 0) this.listRatios[list].push(sum.ok / sum.total);
      }
    }
  }

  build(computedAt: number): Baseline {
    const targets: Record<string, TargetBaseline> = {};
    for (const [url, rs] of this.ratios) {
      targets[url] = {
        ratio: median(rs) ?? 0,
        throughput: median(this.throughputs.get(url) ?? []),
        tlsHandshake: median(this.handshakes.get(url) ?? []),
      };
    }
    const lists: Partial<Record<TargetList, number>> = {};
    for (const list of ["whitelisted", "non_whitelisted"] as const) {
      const m = median(this.listRatios[list]);
      if (m !== null) lists[list] = m;
    }
    return { windows: this.used, judgeableFrom: this.judgeableFrom, targets, lists, computedAt };
  }
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
