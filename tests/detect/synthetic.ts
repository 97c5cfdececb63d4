// Synthetic window data for the detector's pure core: TargetStatsRow[] as the store would return them
// (one row per probe × target × window), generated from a per-measurement outcome function with a
// seeded PRNG so "random" noise is the same on every run.
import type { TargetList } from "../../src/measurement.js";
import type { TargetStatsRow } from "../../src/store/store.js";
import { detectorConfigSchema, type DetectorConfig } from "../../src/config/schema.js";
import { computeBaseline, type Baseline } from "../../src/detect/baseline.js";
import { evaluate, type EvaluateResult, type ProbeSeen } from "./evaluate-once.js";
import { indexWindows } from "../../src/detect/window.js";
import { mulberry32 } from "../fixtures/seeded-random.js";

export const WINDOW_SECONDS = 300;
export const WINDOW_MS = WINDOW_SECONDS * 1000;
/** 2026-01-05T00:00:00Z: an arbitrary window-aligned origin. */
export const T0 = Date.UTC(2026, 0, 5);

export function config(overrides: Partial<DetectorConfig> = {}): DetectorConfig {
  return detectorConfigSchema.parse({ windowSeconds: WINDOW_SECONDS, ...overrides });
}

export interface SynthTarget {
  url: string;
  list: TargetList;
  category: string;
}

/** `white` whitelisted and `other` non-whitelisted targets; non-whitelisted ones cycle through categories. */
export function makeTargets(white: number, other: number, categories = ["news", "social", "messengers", "video"]): SynthTarget[] {
  const out: SynthTarget[] = [];
  for (let i = 0; i < white; i++) out.push({ url: `https://gov${i}.example.kz/`, list: "whitelisted", category: "government" });
  for (let i = 0; i < other; i++) {
    out.push({ url: `https://site${i}.example.com/`, list: "non_whitelisted", category: categories[i % categories.length] ?? "misc" });
  }
  return out;
}

export interface Outcome {
  ok: boolean;
  /** Blocking layer of a failure ("dns", "tcp", "tls", "http-failure", "http-diff"); null = down. */
  blocking?: string | null;
  throughput?: number;
  tls?: number;
}

export interface MeasureContext {
  window: number;
  probe: string;
  target: SynthTarget;
  sample: number;
  random: () => number;
}

export interface SeriesSpec {
  region: string;
  network: string;
  role?: "region" | "control";
  probes: string[];
  targets: SynthTarget[];
  /** Window indexes (0 = T0) to generate. */
  from: number;
  to: number;
  samplesPerProbe?: number;
  seed?: number;
  outcome: (c: MeasureContext) => Outcome;
}

export { mulberry32 };

export function series(spec: SeriesSpec): TargetStatsRow[] {
  const random = mulberry32(spec.seed ?? 1);
  const rows: TargetStatsRow[] = [];
  const samples = spec.samplesPerProbe ?? 1;
  for (let w = spec.from; w < spec.to; w++) {
    const start = T0 + w * WINDOW_MS;
    for (const probe of spec.probes) {
      for (const target of spec.targets) {
        const row: TargetStatsRow = {
          bucketStart: new Date(start).toISOString(), region: spec.region, network: spec.network, probeId: probe,
          role: spec.role ?? "region", url: target.url, list: target.list, category: target.category,
          total: 0, ok: 0, blocked: {}, down: 0, dnsFailures: 0, throughputSum: 0, throughputCount: 0,
          tlsHandshakeSum: 0, tlsHandshakeCount: 0, lastAt: new Date(start + 60_000).toISOString(),
        };
        for (let s = 0; s < samples; s++) {
          const o = spec.outcome({ window: w, probe, target, sample: s, random });
          row.total += 1;
          if (o.ok) row.ok += 1;
          else if (o.blocking === null || o.blocking === undefined) row.down += 1;
          else row.blocked[o.blocking] = (row.blocked[o.blocking] ?? 0) + 1;
          if (o.blocking === "dns") row.dnsFailures += 1;
          if (o.throughput !== undefined) { row.throughputSum += o.throughput; row.throughputCount += 1; }
          if (o.tls !== undefined) { row.tlsHandshakeSum += o.tls; row.tlsHandshakeCount += 1; }
        }
        rows.push(row);
      }
    }
  }
  return rows;
}

/** A normal measurement: works, usual speed. */
export const normal = (): Outcome => ({ ok: true, throughput: 2_000_000, tls: 0.05 });

export interface RunSpec {
  rows: TargetStatsRow[];
  /** Windows [0, historyWindows) form the baseline. */
  historyWindows: number;
  /** Evaluate windows [fromWindow, toWindow). */
  fromWindow: number;
  toWindow: number;
  config?: DetectorConfig;
  regions?: string[];
  seen?: ProbeSeen[];
}

/** Baselines from the history windows, then one evaluate() over the rest, as a Detector pass would. */
export function run(spec: RunSpec): EvaluateResult & { baselines: Map<string, Baseline> } {
  const cfg = spec.config ?? config();
  const historyEnd = T0 + spec.historyWindows * WINDOW_MS;
  const history = indexWindows(spec.rows.filter((r) => Date.parse(r.bucketStart) < historyEnd), cfg.windowSeconds);
  const baselines = new Map<string, Baseline>();
  for (const [key, windows] of history.networks) baselines.set(key, computeBaseline(windows, [], cfg, historyEnd));
  const index = indexWindows(spec.rows, cfg.windowSeconds);
  const result = evaluate({
    index, baselines, seeds: new Map(), regions: spec.regions ?? [], seen: spec.seen ?? [],
    from: T0 + spec.fromWindow * WINDOW_MS, now: T0 + spec.toWindow * WINDOW_MS, config: cfg,
  });
  return { ...result, baselines };
}

/** What store.networkStats returns for the same data (one reference with the store contract's). */
export { networkStatsOf } from "../fixtures/network-stats.js";
