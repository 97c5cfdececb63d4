// The detector's shared types: what the pure core hands between its stages (window verdicts → findings
// → bounds → incidents) and what a pass takes in. Types only, below every module that uses them.
import type { DetectorConfig } from "../config/schema.js";
import type { IncidentKind } from "../incident.js";
import type { Baseline, ControlBaseline } from "./baseline-types.js";
import type { KindSpan, Seed } from "./hysteresis.js";
import type { Carry } from "./runs.js";
import type { ControlWindow, WindowIndex } from "./window.js";

/** The detector settings window classification reads. */
export type DetectorThresholds = Pick<
  DetectorConfig,
  | "minSamples" | "failRatio" | "usualFactor" | "throttleFactor" | "usuallyWorks" | "controlDown" | "blockAfter"
  | "blockAfterMax" | "blockFalseRate" | "categoryShare" | "dnsShare" | "cutShare" | "controlCoverage"
  | "controlSlowFactor" | "maxGapWindows" | "listCoverage"
>;

export interface WindowBase {
  start: number;
  end: number;
  /** Newest measurement in the window (epoch ms). */
  lastAt: number;
  probes: string[];
}

export interface InsufficientWindow extends WindowBase {
  status: "insufficient";
  reason: "few_samples" | "warm_up" | "no_usual_targets";
}

export interface GoodWindow extends WindowBase {
  status: "good";
  /** Targets left out because the control vantage could not reach them either. */
  siteOutages: string[];
}

export interface BadWindow extends WindowBase {
  status: "bad";
  kind: Exclude<IncidentKind, "dark">;
  /** What the incident is about: URLs, or "list:<name>" for whole lists. */
  targets: string[];
  /** The URLs whose measurements show the problem (for evidence and exact bounds). */
  affectedUrls: string[];
  agreeingProbes: string[];
  controlAvailable: boolean;
  siteOutages: string[];
  /** Share of the affected targets the control vantage measured in or beside this window. */
  controlCoverage: number;
  measurements: number;
  failures: number;
  figures: Record<string, number>;
  /** Window start of the first bad measurement of the run this window belongs to (≤ start). */
  since: number;
  /** Throttling: what counts as a slow measurement, per affected URL. */
  slowWhen?: Record<string, SlowThreshold>;
}

export type WindowVerdict = InsufficientWindow | GoodWindow | BadWindow;

/** What classifying a window needs besides the window itself. */
export interface WindowContext {
  baseline: Baseline | undefined;
  /** The control's view near this window (controlNear()). */
  control: ControlWindow | undefined;
  controlBaseline: ControlBaseline | undefined;
  /** Runs of bad measurements up to the window before. */
  carry: Carry;
}


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
  /** From the window holding the run's first bad measurement to the end of the first window classified bad. */
  firstBad: WindowRef;
  lastBad: WindowRef;
  /** The last bad window in which an affected target was actually measured (absent for dark). */
  lastMeasured?: WindowRef;
  lastGood: WindowRef | null;
  recovery: WindowRef | null;
  targets: string[];
  affectedUrls: string[];
  /** The URLs that showed the problem while it had its first kind: what its start is told by (a later,
   * wider kind must not move the start to where the first kind's measurements still worked). */
  openingUrls?: string[];
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
