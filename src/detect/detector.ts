// The Detector: one pass reads the store, runs the pure core (evaluate → bounds → reconcile), saves
// incidents and hands every incident event to the callback it was given (the alert sender). Each pass
// re-derives a trailing horizon, stretched back to cover every open or recently closed incident, so
// late (spooled) measurements revise what was published. It does so cheaply: networkStats fingerprints
// every window, and only windows whose data (or baseline) changed since the last pass are read from
// targetStats and classified again (incremental.ts). State lives in the store (getState/setState);
// the verdict cache is only an in-memory shortcut, rebuilt by the first pass after a start.
import type { DetectorConfig } from "../config/schema.js";
import type { Store, TargetStatsRow } from "../store/store.js";
import type { Incident } from "../incident.js";
import { summarizeActivity } from "./activity.js";
import type { Baseline } from "./baseline-types.js";
import { BaselineCache } from "./baseline-cache.js";
import type { BuildInput } from "./build.js";
import { ControlBaselineCache } from "./control-baseline-cache.js";
import { findingWithBounds } from "./finding-bounds.js";
import type { Finding, ProbeSeen } from "./types.js";
import type { Seed } from "./hysteresis.js";
import { IncrementalEvaluator } from "./incremental.js";
import { ProbeRoster, type ConfiguredProbe, type LastSeenRow } from "./roster.js";
import { darkSeedKey } from "./dark-findings.js";
import { closeRetired, isWithdrawn, reconcile, type IncidentEvent } from "./reconcile.js";
import { networkKey, windowStartOf } from "./window.js";

export interface DetectorOptions {
  store: Store;
  config: DetectorConfig;
  /**
   * Called right before a pass saves its incidents; throwing aborts the pass with nothing saved. The
   * elected detector checks here that it still holds its lease (a deposed leader must not write).
   */
  beforeCommit?: () => Promise<void>;
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
   * retention.targetMinuteDays: per-target minute rollups older than this are pruned, so a baseline anchored
   * before a long open incident is not rebuilt once its history reaches past it. Unset: always rebuilt.
   */
  targetMinuteDays?: number;
  /**
   * Classify the whole horizon again, ignoring cached window verdicts, at most this often; 0 = only on
   * the first pass. A safety net for a store whose networkStats might miss a change. Default 3600.
   */
  fullPassSeconds?: number;
  /** The config's region probes with their schedule's cadence: where they are, and how often they measure. */
  configuredProbes?: readonly ConfiguredProbe[];
  /** Clock offsets agents reported (seconds, probe minus server), e.g. from heartbeats. */
  clockOffsets?: () => ReadonlyMap<string, number>;
  /**
   * Replaying stored data (keepwatch detect): "now" is the replayed time, so last-seen is read as of it
   * and arrival times are unknown (every measurement counts as arrived when it was taken).
   */
  replay?: boolean;
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
const CONFIGURED_KEY = "detector:configured-probes";

export class Detector {
  private readonly store: Store;
  private readonly config: DetectorConfig;
  private readonly onEvent: DetectorOptions["onEvent"];
  private readonly now: () => Date;
  private readonly opts: DetectorOptions;
  private readonly windowMs: number;
  private readonly evaluator: IncrementalEvaluator;
  private readonly probes: ProbeRoster;
  private lastFullAt: number | null = null;
  private readonly baselineCache: BaselineCache;
  private readonly controlBaselines: ControlBaselineCache;

  constructor(opts: DetectorOptions) {
    this.opts = opts;
    this.store = opts.store;
    this.config = opts.config;
    this.onEvent = opts.onEvent;
    this.now = opts.now ?? (() => new Date());
    this.windowMs = opts.config.windowSeconds * 1000;
    this.evaluator = new IncrementalEvaluator(opts.config);
    this.probes = new ProbeRoster(opts.config);
    const refreshSeconds = opts.baselineRefreshSeconds ?? opts.config.baselineRefreshSeconds;
    this.baselineCache = new BaselineCache(opts.store, opts.config, refreshSeconds,
      opts.targetMinuteDays === undefined ? undefined : opts.targetMinuteDays * 86_400_000);
    this.controlBaselines = new ControlBaselineCache(opts.store, opts.config, refreshSeconds);
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
      if (i.status === "open" && Date.parse(i.startedAt) < from && !isWithdrawn(i)) {
        const key = i.network === null ? i.region : i.kind === "dark" ? darkSeedKey(i.region, i.network) : networkKey(i.region, i.network);
        seeds.set(key, { id: i.id, kind: i.kind });
      }
    }

    // Activity from a little before `from`, so darkness can see how long a region was already silent.
    const rowsFrom = windowStartOf(from - cfg.darkAfterSeconds * 1000 - this.windowMs, this.windowMs);
    const until = new Date(nowMs + this.windowMs);
    const activity = summarizeActivity(
      await this.store.networkStats({ since: new Date(rowsFrom), until, bucketSeconds: cfg.windowSeconds }),
      cfg.windowSeconds,
    );
    const stored = await this.lastSeenRows(nowMs);
    const regions = this.opts.regions ??
      [...new Set(stored.rows.map((s) => s.region))].filter((r) => REGION_ID.test(r) && !activity.controlRegions.has(r)).sort();
    const watched = new Set(regions);
    const keys = new Set(activity.networks.keys());
    for (const r of stored.rows) if (watched.has(r.region)) keys.add(networkKey(r.region, r.network));
    const baselines = await this.baselineCache.get([...keys], nowMs, relevant.filter((i) => i.status === "open" && !isWithdrawn(i)));
    const controlBaseline = await this.controlBaselines.get([...activity.controlRegions], nowMs);
    const seen = await this.roster(stored, baselines, nowMs);

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
    for (const finding of findings) built.push(await findingWithBounds(this.store, cfg, finding, this.opts.regionNames?.[finding.region]));
    // Open dark incidents nobody active is left to judge: closed with that reason, not withdrawn.
    const retiredClosed: Incident[] = [];
    for (const i of relevant) {
      if (i.kind !== "dark" || i.status !== "open" || isWithdrawn(i)) continue;
      const mine = seen.filter((p) => p.region === i.region && (i.network === null || p.network === i.network));
      if (mine.some((p) => p.active !== false)) continue;
      const why = [...new Set(mine.map((p) => `${p.probeId} ${p.note ?? "inactive"}`))].join("; ") || "its probes are gone";
      retiredClosed.push(closeRetired(i, now.toISOString(), why));
    }
    const closedIds = new Set(retiredClosed.map((i) => i.id));
    const { save, events } = reconcile({
      built, existing: relevant.filter((i) => !closedIds.has(i.id)), takenIds: existing.map((i) => i.id), from, now,
    });
    for (const i of retiredClosed) {
      save.push(i);
      events.push({ type: "closed", incident: i, previous: relevant.find((r) => r.id === i.id) ?? null, at: now.toISOString() });
    }
    if (save.length > 0 || events.length > 0) await this.opts.beforeCommit?.();
    for (const incident of save) await this.store.saveIncident(incident);

    for (const event of events) await this.onEvent(event);
    return {
      at: now.toISOString(), from: new Date(from).toISOString(), findings, saved: save, events,
      classifiedWindows: classified, rowsRead, full,
    };
  }

  /** lastSeen as of now: live, the stored table (and, if it holds future stamps, the newest ones before); replaying, before now. */
  private async lastSeenRows(nowMs: number): Promise<{ rows: LastSeenRow[]; bounded: LastSeenRow[] | null }> {
    const parse = (xs: { region: string; network: string; probeId: string; lastAt: string }[]): LastSeenRow[] =>
      xs.map((x) => ({ region: x.region, network: x.network, probeId: x.probeId, lastAt: Date.parse(x.lastAt) }));
    if (this.opts.replay) {
      const rows = parse(await this.store.lastSeen({ before: new Date(nowMs) }));
      return { rows, bounded: null };
    }
    const rows = parse(await this.store.lastSeen());
    const bound = nowMs + this.config.skewToleranceSeconds * 1000;
    const bounded = rows.some((r) => r.lastAt >= bound) ? parse(await this.store.lastSeen({ before: new Date(bound) })) : null;
    return { rows, bounded };
  }

  /** Who counts for darkness this pass (roster.ts), with cadences from the config or the baselines. */
  private async roster(stored: { rows: LastSeenRow[]; bounded: LastSeenRow[] | null }, baselines: ReadonlyMap<string, Baseline>, nowMs: number): Promise<ProbeSeen[]> {
    const observed = new Map<string, number>();
    for (const b of baselines.values()) for (const [probe, sec] of Object.entries(b.cadence ?? {})) observed.set(probe, sec);
    const configured = this.opts.configuredProbes;
    let everConfigured: Set<string> | undefined;
    if (configured) {
      everConfigured = new Set<string>(JSON.parse((await this.store.getState(CONFIGURED_KEY)) ?? "[]") as string[]);
      const before = everConfigured.size;
      for (const p of configured) everConfigured.add(p.id);
      if (everConfigured.size !== before && !this.opts.replay) await this.store.setState(CONFIGURED_KEY, JSON.stringify([...everConfigured].sort()));
    }
    return this.probes.update({
      now: nowMs, stored: stored.rows, bounded: stored.bounded, observed,
      ...(configured ? { configured } : {}), ...(everConfigured ? { everConfigured } : {}),
      ...(this.opts.clockOffsets ? { offsets: this.opts.clockOffsets() } : {}),
      ...(this.opts.replay ? { replay: true } : {}),
    });
  }
}
