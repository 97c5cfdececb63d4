// The detector's pure core for one pass in one go: windows → per-window verdicts → findings (findings.ts).
// No I/O. The Detector itself uses IncrementalEvaluator (incremental.ts), which gives the same findings
// while classifying only the windows whose data changed since its last pass.
import type { DetectorConfig } from "../config/schema.js";
import type { IncidentKind } from "./incident.js";
import type { Baseline } from "./baseline.js";
import { classifyWindow, type WindowVerdict } from "./classify.js";
import { networkActivityOf } from "./dark.js";
import { findingsOf, type NetworkSeries } from "./findings.js";
import type { KindSpan, Seed } from "./hysteresis.js";
import { networkKey, type WindowIndex } from "./window.js";

/** Window bounds in epoch ms, with the newest measurement in it. */
export interface WindowRef {
  start: number;
  end: number;
  lastAt: number;
}

export interface Finding {
  region: string;
  /** null for region-wide findings (`dark`). */
  network: string | null;
  kind: IncidentKind;
  kinds: KindSpan[];
  seededFrom: string | null;
  firstBad: WindowRef;
  lastBad: WindowRef;
  lastGood: WindowRef | null;
  recovery: WindowRef | null;
  targets: string[];
  affectedUrls: string[];
  probes: string[];
  /** Most probes that agreed within one bad window. */
  maxAgreeingProbes: number;
  networks: string[];
  controlAvailable: boolean;
  confidence: "confirmed" | "suspected";
  counts: Record<string, number>;
  figures: Record<string, number>;
}

/** Who measured a region, from the store's lastSeen() and the detector's probe roster (roster.ts). */
export interface ProbeSeen {
  region: string;
  network: string;
  probeId: string;
  /** Newest trusted measurement time (epoch ms); null when its stamps are not trusted (clock skew). */
  lastAt: number | null;
  /** When its newest measurement first arrived, if known (epoch ms). */
  receivedAt?: number | null;
  /**
   * Passes that saw something new of it arrive: it arrived in (after, at]. An arrival well after the
   * last measurement heard shows the probe alive (its results late), not silent.
   */
  arrivals?: readonly { after: number; at: number }[];
  /** Since when the detector has been watching its arrivals (epoch ms). */
  watchedSince?: number;
  /** How often it measures (s), if known. */
  cadenceSeconds?: number | null;
  /** false when retired, moved or removed: it no longer counts for darkness. Default true. */
  active?: boolean;
  /** Why it does not count, or why its stamps are not trusted. */
  note?: string;
}

export interface EvaluateInput {
  index: WindowIndex;
  /** Per region × network key (networkKey()). */
  baselines: ReadonlyMap<string, Baseline>;
  /** Open incidents that began before `from`, per networkKey or per region (for dark). */
  seeds: ReadonlyMap<string, Seed>;
  /** Regions to watch for darkness. */
  regions: readonly string[];
  seen: readonly ProbeSeen[];
  /** Re-evaluate windows starting at or after this (epoch ms), up to `now`. */
  from: number;
  now: number;
  config: DetectorConfig;
}

export interface EvaluateResult {
  findings: Finding[];
  /** The latest verdict per networkKey (for the region state and the pass summary). */
  latest: Map<string, WindowVerdict>;
}

export function evaluate(input: EvaluateInput): EvaluateResult {
  const { index, config, from, now } = input;
  const networks = new Map<string, NetworkSeries>();
  for (const [key, windows] of index.networks) {
    const first = windows[0];
    if (!first) continue;
    const baseline = input.baselines.get(key);
    const verdicts: WindowVerdict[] = [];
    for (const w of windows) {
      if (w.start < from || w.start >= now) continue;
      verdicts.push(classifyWindow(w, baseline, index.control.get(w.start), config));
    }
    networks.set(key, { region: first.region, network: first.network, verdicts });
  }
  return findingsOf({ networks, activity: { ...index, byNetwork: networkActivityOf(index) }, seeds: input.seeds, regions: input.regions, seen: input.seen, from, now, config });
}

export { networkKey };
