// Performance by hour (evening peaks): a baseline's usual throughput / handshake at a given moment, and the
// hour factors computed from per-window figures (BaselineBuilder, ./baseline.ts).
import type { Baseline, HourFactors, TargetBaseline } from "./baseline-types.js";
import { median } from "./median.js";
import { push } from "./multimap.js";

/** Hour of the week, 0 = Monday 00:00-01:00 UTC. Performance differs by hour (evening peaks). */
export function hourOfWeek(ms: number): number {
  const d = new Date(ms);
  return ((d.getUTCDay() + 6) % 7) * 24 + d.getUTCHours();
}

/** The target's usual throughput / TLS handshake for the hour of `at`, falling back to the overall median. */
export function expectedPerformance(b: Baseline, t: TargetBaseline, at: number): { throughput: number | null; tlsHandshake: number | null } {
  const h = hourOfWeek(at);
  const d = h % 24;
  const tp = b.hours?.throughput[h] ?? b.hours?.throughputByDayHour?.[d] ?? 1;
  const tls = b.hours?.tlsHandshake[h] ?? b.hours?.tlsHandshakeByDayHour?.[d] ?? 1;
  return {
    throughput: t.throughput === null ? null : t.throughput * tp,
    tlsHandshake: t.tlsHandshake === null ? null : t.tlsHandshake * tls,
  };
}

/** One window's median over its targets of throughput / TLS handshake, and the window's start. */
export interface WindowPerformance {
  at: number;
  throughput: number | null;
  tlsHandshake: number | null;
}

/** Hour factors: per hour, the median over periods (weeks or days) of that hour's median, over the overall median. */
export function hourFactors(windowPerf: readonly WindowPerformance[], minPeriods: number): HourFactors {
  const out: HourFactors = { throughput: {}, tlsHandshake: {}, throughputByDayHour: {}, tlsHandshakeByDayHour: {} };
  for (const field of ["throughput", "tlsHandshake"] as const) {
    const all = windowPerf.map((p) => p[field]).filter((v): v is number => v !== null);
    const overall = median(all);
    if (overall === null || overall <= 0) continue;
    const factors = (hourOf: (ms: number) => number, periodMs: number): Record<number, number> => {
      const byHour = new Map<number, Map<number, number[]>>(); // hour -> period -> values
      for (const p of windowPerf) {
        const v = p[field];
        if (v === null) continue;
        const hour = hourOf(p.at);
        let periods = byHour.get(hour);
        if (!periods) byHour.set(hour, (periods = new Map()));
        push(periods, Math.floor(p.at / periodMs), v);
      }
      const result: Record<number, number> = {};
      for (const [hour, periods] of byHour) {
        if (periods.size < minPeriods) continue;
        const m = median([...periods.values()].map((vs) => median(vs) ?? 0));
        if (m !== null) result[hour] = m / overall;
      }
      return result;
    };
    out[field] = factors(hourOfWeek, 7 * 86_400_000);
    out[field === "throughput" ? "throughputByDayHour" : "tlsHandshakeByDayHour"] = factors((ms) => new Date(ms).getUTCHours(), 86_400_000);
  }
  return out;
}
