// The Detector: one pass reads the store, runs the pure core (evaluate → bounds → reconcile), saves
// incidents and hands every incident event to the callback it was given (the alert sender). Each pass
// re-derives a trailing horizon, stretched back to cover every open or recently closed incident, so
// late (spooled) measurements revise what was published. It does so cheaply: networkStats fingerprints
// every window, and only windows whose data (or baseline) changed since the last pass are read from
// targetStats and classified again (incremental.ts). State lives in the store (getState/setState);
// the verdict cache is only an in-memory shortcut, rebuilt by the first pass after a start.
import type { DetectorConfig } from "../config/schema.js";
import type { MeasurementFacts } from "../measurement.js";
import type { Store, TargetStatsRow } from "../store/store.js";
import type { Incident } from "./incident.js";
import { summarizeActivity } from "./activity.js";
import { BaselineBuilder, ControlBaselineBuilder, type Baseline, type ControlBaseline, type Interval } from "./baseline.js";
import { refineBounds, type Bounds } from "./bounds.js";
import type { BuildInput } from "./build.js";
import type { Finding, ProbeSeen } from "./types.js";
import type { Seed } from "./hysteresis.js";
import { IncrementalEvaluator } from "./incremental.js";
import { reconcile, type IncidentEvent } from "./reconcile.js";
import { indexWindows, networkKey, windowStartOf } from "./window.js";

export interface DetectorOptions {
  store: Store;
  config: DetectorConfig;
  /** Receives every event of a pass, in order, after the incidents are saved. */
  onEvent: (event: IncidentEvent) => void | Promise<void>;
  now?: () => Date;
  /** Regions watched for darkness; default: every ISO 3166-2 style region the store has seen. */
  regions?: readonly string[];
  /** English display names for summaries, by region id. */
  regionNames?: Readonly<Record<string, string>>;
  /** Trailing hours re-evaluated every pass (stretched to cover open incidents). Default 3. */
  horizonHours?: number;
  /** Never re-evaluate further back than this. Default 48. */
  maxHorizonHours?: number;
  /** Overrides the config's detector.baselineRefreshSeconds (tests that need exact counts). */
  baselineRefreshSeconds?: number;
  /**
   * Classify the whole horizon again, ignoring cached window verdicts, at most this often; 0 = only on
   * the first pass. A safety net for a store whose networkStats might miss a change. Default 3600.
   */
  fullPassSeconds?: number;
}

export interface PassResult {
  at: string;
  /** Start of the re-evaluated horizon. */
  from: string;
  findings: Finding[];
  saved: Incident[];
  events: IncidentEvent[];
  /** Window verdicts computed this pass (the others were unchanged and came from the cache). */
  classifiedWindows: number;
  /** targetStats rows read this pass. */
  rowsRead: number;
  /** True when the pass classified its whole horizon (first pass, or fullPassSeconds elapsed). */
  full: boolean;
}

const REGION_ID = /^[A-Z]{2}-[A-Z0-9]{1,3}$/;
const BASELINE_KEY = "detector:baseline:";
/** The control vantage's usual performance, stored beside the networks' baselines. */
export const CONTROL_BASELINE_KEY = "*control*";

export class Detector {
  private readonly store: Store;
  private readonly config: DetectorConfig;
  private readonly onEvent: DetectorOptions["onEvent"];
  private readonly now: () => Date;
  private readonly opts: DetectorOptions;
  private readonly windowMs: number;
  private readonly evaluator: IncrementalEvaluator;
  private lastFullAt: number | null = null;
  /** Parsed baselines by their stored text, so an unchanged baseline is the same object pass after pass. */
  private readonly parsedBaselines = new Map<string, { raw: string; baseline: Baseline }>();
  private parsedControl: { raw: string; computedAt: number; baseline: ControlBaseline } | null = null;

  constructor(opts: DetectorOptions) {
    this.opts = opts;
    this.store = opts.store;
    this.config = opts.config;
    this.onEvent = opts.onEvent;
    this.now = opts.now ?? (() => new Date());
    this.windowMs = opts.config.windowSeconds * 1000;
    this.evaluator = new IncrementalEvaluator(opts.config);
  }

  async runPass(): Promise<PassResult> {
    const now = this.now();
    const nowMs = now.getTime();
    const cfg = this.config;
    const floor = nowMs - (this.opts.maxHorizonHours ?? 48) * 3_600_000;
    const existing = await this.store.listIncidents({ since: new Date(floor) });

    // Re-evaluate far enough back to re-derive every open or recently closed incident from its start.
    let from = nowMs - (this.opts.horizonHours ?? 3) * 3_600_000;
    const margin = (cfg.openAfter + 2) * this.windowMs;
    for (const i of existing) {
      if (i.status === "open" || (i.endedAt !== null && Date.parse(i.endedAt) >= from)) {
        from = Math.min(from, Date.parse(i.startedAt) - margin);
      }
    }
    from = windowStartOf(Math.max(from, floor), this.windowMs);
    const relevant = existing.filter((i) => i.status === "open" || (i.endedAt !== null && Date.parse(i.endedAt) >= from));
    const seeds = new Map<string, Seed>();
    for (const i of relevant) {
      if (i.status === "open" && Date.parse(i.startedAt) < from) {
        seeds.set(i.network === null ? i.region : networkKey(i.region, i.network), { id: i.id, kind: i.kind });
      }
    }

    // Activity from a little before `from`, so darkness can see how long a region was already silent.
    const rowsFrom = windowStartOf(from - cfg.darkAfterSeconds * 1000 - this.windowMs, this.windowMs);
    const until = new Date(nowMs + this.windowMs);
    const activity = summarizeActivity(
      await this.store.networkStats({ since: new Date(rowsFrom), until, bucketSeconds: cfg.windowSeconds }),
      cfg.windowSeconds,
    );
    const seen: ProbeSeen[] = (await this.store.lastSeen()).map((s) => ({ ...s, lastAt: Date.parse(s.lastAt) }));
    const regions = this.opts.regions ??
      [...new Set(seen.map((s) => s.region))].filter((r) => REGION_ID.test(r) && !activity.controlRegions.has(r)).sort();
    const baselines = await this.baselines([...activity.networks.keys()], nowMs);
    const controlBaseline = await this.controlBaseline([...activity.controlRegions], nowMs);

    const fullMs = (this.opts.fullPassSeconds ?? 3600) * 1000;
    const full = this.lastFullAt === null || (fullMs > 0 && Math.abs(nowMs - this.lastFullAt) >= fullMs);
    if (full) {
      this.evaluator.clear();
      this.lastFullAt = nowMs;
    }
    let findings: Finding[] = [];
    let classified = 0;
    let rowsRead = 0;
    // A second round only when late data changed the runs carried into windows whose rows were not read.
    for (let round = 0; round < 2; round++) {
      const plan = this.evaluator.plan({ activity, baselines, controlBaseline, from, now: nowMs });
      const rows: TargetStatsRow[] = [];
      for (const read of plan.reads) {
        const part = await this.store.targetStats({
          since: new Date(read.since), until: new Date(read.until), bucketSeconds: cfg.windowSeconds,
          ...(read.region !== undefined ? { region: read.region } : {}),
        });
        // not push(...part): a deep read is far more rows than a call takes
        for (const r of part) if (read.role === undefined || r.role === read.role) rows.push(r);
      }
      const result = this.evaluator.finish(plan, rows, { seeds, regions, seen });
      findings = result.findings;
      classified += result.classified;
      rowsRead += rows.length;
      if (!result.retry) break;
    }
    const built: BuildInput[] = [];
    for (const finding of findings) built.push(await this.withBounds(finding));
    const { save, events } = reconcile({ built, existing: relevant, from, now });
    for (const incident of save) await this.store.saveIncident(incident);

    for (const event of events) await this.onEvent(event);
    return {
      at: now.toISOString(), from: new Date(from).toISOString(), findings, saved: save, events,
      classifiedWindows: classified, rowsRead, full,
    };
  }

  /** Cached per region × network; recomputed when stale, and every pass while still warming up. */
  private async baselines(keys: readonly string[], nowMs: number): Promise<Map<string, Baseline>> {
    const refreshMs = (this.opts.baselineRefreshSeconds ?? this.config.baselineRefreshSeconds) * 1000;
    const out = new Map<string, Baseline>();
    const stale = new Set<string>();
    for (const key of keys) {
      const raw = await this.store.getState(BASELINE_KEY + key);
      const cached = raw ? this.parsedBaseline(key, raw) : null;
      if (cached && cached.judgeableFrom !== null && nowMs - cached.computedAt < refreshMs) out.set(key, cached);
      else stale.add(key);
    }
    const byRegion = new Map<string, string[]>();
    for (const key of stale) {
      const region = key.slice(0, key.indexOf("|"));
      byRegion.set(region, [...(byRegion.get(region) ?? []), key]);
    }
    const since = windowStartOf(nowMs - this.config.baselineHours * 3_600_000, this.windowMs);
    // Read a day at a time (whole windows), so a week of one region's rollups is never in memory at once.
    const chunkMs = Math.max(1, Math.floor(86_400_000 / this.windowMs)) * this.windowMs;
    for (const [region, regionKeys] of byRegion) {
      const incidents = await this.store.listIncidents({ region, since: new Date(since) });
      const builders = new Map<string, BaselineBuilder>();
      for (const key of regionKeys) {
        const network = key.slice(key.indexOf("|") + 1);
        // Windows inside this network's incidents (or the region's dark ones) are not "usual".
        const excluded: Interval[] = incidents
          .filter((i) => i.network === network || i.network === null)
          .map((i) => ({ from: Date.parse(i.startedAt), to: i.endedAt === null ? null : Date.parse(i.endedAt) }));
        builders.set(key, new BaselineBuilder(excluded, this.config));
      }
      for (let start = since; start < nowMs + this.windowMs; start += chunkMs) {
        const rows = await this.store.targetStats({
          since: new Date(start), until: new Date(Math.min(start + chunkMs, nowMs + this.windowMs)), region,
          bucketSeconds: this.config.windowSeconds,
        });
        const index = indexWindows(rows, this.config.windowSeconds);
        for (const [key, builder] of builders) builder.add(index.networks.get(key) ?? []);
      }
      for (const [key, builder] of builders) {
        const baseline = builder.build(nowMs);
        const raw = JSON.stringify(baseline);
        await this.store.setState(BASELINE_KEY + key, raw);
        this.parsedBaselines.set(key, { raw, baseline });
        out.set(key, baseline);
      }
    }
    return out;
  }

  /** The control vantages' usual performance per target, cached like the networks' baselines. */
  private async controlBaseline(controlRegions: readonly string[], nowMs: number): Promise<ControlBaseline | undefined> {
    if (controlRegions.length === 0) return undefined;
    const refreshMs = (this.opts.baselineRefreshSeconds ?? this.config.baselineRefreshSeconds) * 1000;
    const raw = await this.store.getState(BASELINE_KEY + CONTROL_BASELINE_KEY);
    const known = this.parsedControl;
    if (raw !== null && known?.raw === raw && nowMs - known.computedAt < refreshMs) return known.baseline;
    if (raw !== null && known === null) {
      const stored = JSON.parse(raw) as { computedAt: number; targets: ControlBaseline };
      this.parsedControl = { raw, computedAt: stored.computedAt, baseline: stored.targets };
      if (nowMs - stored.computedAt < refreshMs) return stored.targets;
    }
    const since = windowStartOf(nowMs - this.config.baselineHours * 3_600_000, this.windowMs);
    const chunkMs = Math.max(1, Math.floor(86_400_000 / this.windowMs)) * this.windowMs;
    const builder = new ControlBaselineBuilder();
    for (const region of controlRegions) {
      for (let start = since; start < nowMs + this.windowMs; start += chunkMs) {
        const rows = await this.store.targetStats({
          since: new Date(start), until: new Date(Math.min(start + chunkMs, nowMs + this.windowMs)), region,
          bucketSeconds: this.config.windowSeconds,
        });
        builder.add(indexWindows(rows, this.config.windowSeconds).control.values());
      }
    }
    const baseline = builder.build();
    const text = JSON.stringify({ computedAt: nowMs, targets: baseline });
    await this.store.setState(BASELINE_KEY + CONTROL_BASELINE_KEY, text);
    this.parsedControl = { raw: text, computedAt: nowMs, baseline };
    return baseline;
  }

  private parsedBaseline(key: string, raw: string): Baseline {
    const known = this.parsedBaselines.get(key);
    if (known?.raw === raw) return known.baseline;
    const baseline = JSON.parse(raw) as Baseline;
    this.parsedBaselines.set(key, { raw, baseline });
    return baseline;
  }

  /** Exact bounds and evidence ids from the raw measurements at the finding's edges. */
  private async withBounds(finding: Finding): Promise<BuildInput> {
    const q = {
      region: finding.region,
      role: "region" as const,
      ...(finding.network !== null ? { network: finding.network } : {}),
    };
    const hasWindows = finding.firstBad.end > 0;
    // From the last good window (at most a few windows back) so lastGoodAt is a measurement that worked.
    const back = finding.lastGood && finding.lastGood.start < finding.firstBad.start
      ? Math.max(finding.lastGood.start, finding.firstBad.start - this.config.maxGapWindows * this.windowMs)
      : finding.firstBad.start - this.windowMs;
    const opening: MeasurementFacts[] = hasWindows && finding.kind !== "dark"
      ? await this.store.measurementFacts({ ...q, since: new Date(back), until: new Date(finding.firstBad.end) })
      : [];
    // The whole closing run: a target measured once per round may first show up in its second window.
    const recovery: MeasurementFacts[] = finding.recovery
      ? await this.store.measurementFacts({
        ...q, since: new Date(finding.recovery.start),
        until: new Date(finding.recovery.start + this.config.closeAfter * this.windowMs),
      })
      : [];
    const bounds: Bounds = refineBounds(finding, { opening, recovery });
    const affected = new Set(finding.affectedUrls);
    const measurementIds = opening
      .filter((m) => Date.parse(m.startedAt) >= finding.firstBad.start && affected.has(m.url))
      .filter((m) => finding.kind === "throttling" || !m.accessible)
      .map((m) => m.id);
    const regionName = this.opts.regionNames?.[finding.region];
    return { finding, bounds, measurementIds, ...(regionName !== undefined ? { regionName } : {}) };
  }
}
