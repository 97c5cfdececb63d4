// Configuration of the detector: windows, hysteresis, baselines, classification bounds, darkness. Part of the
// configuration schema (./schema.ts).
import { z } from "zod";

export const detectorConfigSchema = z.object({
  /** Width of one detector window (labs and tests go as low as 5 s; real deployments want minutes). */
  windowSeconds: z.number().int().min(5).default(300),
  /** Hysteresis: open after this many consecutive bad windows, close after this many good ones. */
  openAfter: z.number().int().min(1).default(2),
  closeAfter: z.number().int().min(1).default(2),
  /** Trailing history for the baseline, and how many windows of it are needed before judging. */
  baselineHours: z.number().min(1).default(168),
  warmupWindows: z.number().int().min(1).default(6),
  /** A list is "near zero" below this success ratio. */
  failRatio: z.number().min(0).max(1).default(0.1),
  /** A list keeps "its usual success" above baseline × this factor. */
  usualFactor: z.number().min(0).max(1).default(0.7),
  /** Throttling: throughput this many times lower (or TLS handshake this many times slower). */
  throttleFactor: z.number().min(1).default(5),
  /** A region is dark when none of its probes reported for this long while others did. */
  darkAfterSeconds: z.number().int().min(5).default(900),
  /** Minimum measurements in a window before it is judged at all. */
  minSamples: z.number().int().min(1).default(3),

  // --- Classification and bounds (issue #8: blocking, whitelist, throttling, control, bounds) ---
  /** A target "usually works" (and can therefore be found blocked) when its baseline success is at least this. */
  usuallyWorks: z.number().min(0).max(1).default(0.5),
  /** The control vantage sees a site as down (an outage, not blocking) below this success ratio. */
  controlDown: z.number().min(0).max(1).default(0.5),
  /**
   * A lone target is blocked after this many consecutive failed measurements with a blocking verdict
   * (counted per probe across windows, summed over the network's probes). Replaces "3 failures inside one
   * window", which one probe at one measurement per window never reaches.
   */
  blockAfter: z.number().int().min(1).default(2),
  /** A noisy target (it fails now and then even when fine) needs a longer run, up to this many. */
  blockAfterMax: z.number().int().min(1).default(4),
  /**
   * The chance per network window that noise alone makes any of its judged targets look blocked; each of
   * N judged targets gets blockFalseRate / N. The run a target needs is the shortest (between blockAfter
   * and blockAfterMax) whose chance under the target's usual failure rate alone is below that share.
   */
  blockFalseRate: z.number().gt(0).max(1).default(1e-5),
  /** A category counts as blocked in one window when at least this share of its (≥ 2) targets fail. */
  categoryShare: z.number().min(0).max(1).default(0.8),
  /** A blocked set is DNS interference when at least this share of its failures were DNS-layer blocking. */
  dnsShare: z.number().min(0).max(1).default(0.8),
  /** A list is "cut" when its success falls to at most this share of its usual success (whitelist-only, full shutdown). */
  cutShare: z.number().min(0).max(1).default(0.25),
  /** Whole-list verdicts (full shutdown, whitelist-only) need at least this share of each list's usual targets measured in the window. */
  listCoverage: z.number().min(0).max(1).default(0.75),
  /** Confirmed needs the control vantage to have measured at least this share of the affected targets (same or adjacent window). */
  controlCoverage: z.number().min(0).max(1).default(0.8),
  /** A target slower from the control too (by this factor against the control's usual) is a slow server, not throttling. */
  controlSlowFactor: z.number().min(1).default(2),
  /**
   * Hourly performance baselines: an hour of the week needs history from this many different weeks (else
   * the hour of the day, from this many different days; else the overall median).
   */
  hourlyMinPeriods: z.number().int().min(2).default(3),
  /** The first windows of a network's history are start-up load: left out of performance baselines. */
  startupWindows: z.number().int().min(0).default(2),
  /** Recompute a warmed-up baseline at most this often (seconds; it reads baselineHours of rollups). */
  baselineRefreshSeconds: z.number().int().min(1).default(3600),
  /** Bad windows further apart than this many windows are separate runs, never one incident. */
  maxGapWindows: z.number().int().min(1).default(3),

  // ── Darkness, cadence, retirement, clock skew, prior (README "Detector") ──
  /**
   * What is usual without clean history: "works" (default) — targets usually work when the control
   * reaches them, so a region whitelist-only since deployment is still called whitelist_only; "none" —
   * nothing is judged until warmupWindows clean windows exist (the regime becomes the baseline).
   */
  prior: z.enum(["works", "none"]).default("works"),
  /** A network is dark only after max(darkAfterSeconds, cadenceFactor × its probes' slowest cadence) of silence. */
  cadenceFactor: z.number().min(1).default(3),
  /** Added to that threshold: how late a probe's results may normally arrive (upload, queues, a throttled link). */
  uploadGraceSeconds: z.number().int().min(0).default(120),
  /** A probe silent this long is retired: it no longer counts for its network's darkness. */
  retireAfterSeconds: z.number().int().min(60).default(7 * 86_400),
  /** Probes retired by hand (moved, switched off for good): they never count for darkness. */
  retiredProbes: z.array(z.string()).default([]),
  /** A measurement stamped more than this after it was first seen (from the future), or a reported offset beyond it, marks its probe's clock as skewed. */
  skewToleranceSeconds: z.number().int().min(1).default(300),
  /** A measurement stamped more than this before it was first seen (far past) is not trusted for silence or revisions. */
  maxLateSeconds: z.number().int().min(60).default(7 * 86_400),
});
export type DetectorConfig = z.infer<typeof detectorConfigSchema>;
