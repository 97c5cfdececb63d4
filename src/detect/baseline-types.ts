// What a baseline holds (./baseline.ts computes it): a region × network's usual figures per target and per
// list, performance factors by hour, and the control vantage's usual performance. Plain data, stored in the
// detector's state: fields added later are optional, absent in baselines from before.
import type { TargetList } from "../measurement.js";

export interface TargetBaseline {
  /** Median per-window success ratio. */
  ratio: number;
  /** Median per-window mean throughput (bytes/s), null when never measured. */
  throughput: number | null;
  /** Median per-window mean TLS handshake time (s), null when never measured. */
  tlsHandshake: number | null;
  /**
   * Failure rate per measurement, (failures + ½) / (measurements + 1): short or noisy history gives a
   * higher rate, so a blocking run must be longer before it is believed. Absent in baselines from before.
   */
  failRate?: number;
}

/**
 * Performance by hour: factors against the overall median, per hour of the week where that hour has
 * history from hourlyMinPeriods different weeks, else per hour of the day where it has history from that
 * many different days. One week (or day) of an hour is one sample: a regime then would be learnt as the
 * hour's norm.
 */
export interface HourFactors {
  throughput: Record<number, number>;
  tlsHandshake: Record<number, number>;
  /** Per hour of the day (0-23 UTC), the fallback. */
  throughputByDayHour?: Record<number, number>;
  tlsHandshakeByDayHour?: Record<number, number>;
}

export interface Baseline {
  /** Windows the baseline was computed from. */
  windows: number;
  /** Windows starting at or after this (epoch ms) may be judged; null while warming up. */
  judgeableFrom: number | null;
  targets: Record<string, TargetBaseline>;
  /** Median per-window success ratio per list. */
  lists: Partial<Record<TargetList, number>>;
  /** Hour-of-week performance factors (see hourOfWeek(), ./hour-factors.ts); absent in baselines from before. */
  hours?: HourFactors;
  /** Each target's list (to know how much of a list a window should hold); absent in baselines from before. */
  targetLists?: Record<string, TargetList>;
  computedAt: number;
  /** Set when the history ended before now (at an open incident's start): epoch ms. */
  until?: number;
  /** "history": learned from enough clean windows; "prior": too little clean history, the prior stands in. */
  source?: "history" | "prior";
  /** Lists whose history was a regime (near zero while the control reached them), replaced by the prior. */
  priorLists?: TargetList[];
  /** Observed seconds between two rounds, per probe (cadence.ts), for darkness. */
  cadence?: Record<string, number>;
  /** Usual figures for a target the history does not know (the prior); absent: such a target is not judged. */
  fallback?: TargetBaseline;
}

/**
 * What a target is assumed to be before history says otherwise: it works, no throughput or handshake figure
 * is known, and its noise is unknown — the failure rate of no measurements, (0 + ½) / (0 + 1), so a block
 * needs the longest run (blockAfterMax).
 */
export const PRIOR_TARGET: TargetBaseline = { ratio: 1, throughput: null, tlsHandshake: null, failRate: 0.5 };

/** The control vantage's usual performance per target, for telling a slow server from throttling. */
export type ControlBaseline = Record<string, { throughput: number | null; tlsHandshake: number | null }>;
