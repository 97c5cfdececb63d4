// The detector's shared types: what the pure core hands between its stages (window verdicts → findings
// → bounds → incidents) and what a pass takes in. Types only, below every module that uses them.
import type { DetectorConfig } from "../config/schema.js";
import type { IncidentKind } from "./incident.js";
import type { Baseline } from "./baseline.js";
import type { WindowVerdict } from "./classify.js";
import type { KindSpan, Seed } from "./hysteresis.js";
import type { WindowIndex } from "./window.js";

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
  /** The window holding the first bad measurement of the run (may precede the first window classified bad). */
  firstBad: WindowRef;
  lastBad: WindowRef;
  /** The last bad window in which an affected target was actually measured (absent for dark). */
  lastMeasured?: WindowRef;
  lastGood: WindowRef | null;
  recovery: WindowRef | null;
  targets: string[];
  affectedUrls: string[];
  probes: string[];
  /** Most probes that agreed within one bad window. */
  maxAgreeingProbes: number;
  networks: string[];
  controlAvailable: boolean;
  /** Share of the affected targets the control vantage measured near the bad windows (lowest over them). */
  controlCoverage: number;
  confidence: "confirmed" | "suspected";
  counts: Record<string, number>;
  figures: Record<string, number>;
  /** Throttling: per affected URL, what a slow measurement is (so bounds can be told to the measurement). */
  slowWhen?: Record<string, SlowThreshold>;
}

/** A measurement of a throttled target is slow at or below this throughput, or at or above this handshake time. */
export interface SlowThreshold {
  throughputBelow: number | null;
  tlsAbove: number | null;
}

/** Who measured a region, from the store's lastSeen(). */
export interface ProbeSeen {
  region: string;
  network: string;
  probeId: string;
  lastAt: number;
}

export interface EvaluateInput {
  index: WindowIndex;
  /** Per region × network key (networkKey()); the control vantage's under CONTROL_BASELINE_KEY. */
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
