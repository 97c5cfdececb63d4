// The Detector's baselines, one per region × network, cached in the store's state and in memory (the same
// object while its figures are unchanged, so the IncrementalEvaluator's cached verdicts stay valid).
import type { DetectorConfig } from "../config/schema.js";
import type { Store } from "../store/store.js";
import { BaselineBuilder, type Baseline, type Interval } from "./baseline.js";
import type { Incident } from "../incident.js";
import { isWithdrawn } from "./reconcile.js";
import { indexWindows, windowStartOf } from "./window.js";

export const BASELINE_KEY = "detector:baseline:";

export class BaselineCache {
  /** Parsed baselines by their stored text, so an unchanged baseline is the same object pass after pass. */
  private readonly parsedBaselines = new Map<string, { raw: string; baseline: Baseline }>();
  private readonly windowMs: number;

  /**
   * minuteHorizonMs: how long per-target minute rollups are kept (retention.targetMinuteDays). An
   * incident-anchored baseline whose history has begun to be pruned is kept as last computed: rebuilt, it
   * would judge a long shutdown against what is left of that history.
   */
  constructor(private readonly store: Store, private readonly config: DetectorConfig, private readonly refreshSeconds: number,
    private readonly minuteHorizonMs?: number) {
    this.windowMs = config.windowSeconds * 1000;
  }

  /**
   * Cached per region × network; recomputed when stale, and every pass while the prior stands in. The
   * history is the baselineHours before now, or — while the network (or its region, for dark) has an
   * open incident — the baselineHours before that incident began: a shutdown lasting longer than
   * baselineHours is still judged against what was usual before it, so it can close.
   */
  async get(keys: readonly string[], nowMs: number, open: readonly Incident[]): Promise<Map<string, Baseline>> {
    const refreshMs = (this.refreshSeconds) * 1000;
    const out = new Map<string, Baseline>();
    const stale = new Map<string, { region: string; network: string; until: number }>();
    for (const key of keys) {
      const raw = await this.store.getState(BASELINE_KEY + key);
      const cached = raw ? this.parsed(key, raw) : null;
      const region = key.slice(0, key.indexOf("|"));
      const network = key.slice(key.indexOf("|") + 1);
      let openStart: number | undefined;
      for (const i of open) {
        if (i.region !== region || (i.network !== network && i.network !== null)) continue;
        openStart = Math.min(openStart ?? Infinity, windowStartOf(Date.parse(i.startedAt), this.windowMs));
      }
      // Windows that started before now (a replay's store already holds later ones: never read them).
      const until = openStart ?? nowMs;
      const built = cached !== null && cached.judgeableFrom !== null && cached.source !== "prior";
      const fresh = built && nowMs - cached.computedAt < refreshMs && cached.until === openStart;
      const pruned = built && openStart !== undefined && cached.until === openStart && this.minuteHorizonMs !== undefined &&
        windowStartOf(openStart - this.config.baselineHours * 3_600_000, this.windowMs) < nowMs - this.minuteHorizonMs;
      if (cached && (fresh || pruned)) out.set(key, cached);
      else stale.set(key, { region, network, until });
    }
    // One read per region × history range (usually one per region).
    const groups = new Map<string, { region: string; since: number; until: number; keys: string[] }>();
    for (const [key, s] of stale) {
      const since = windowStartOf(s.until - this.config.baselineHours * 3_600_000, this.windowMs);
      const id = `${s.region}|${since}|${s.until}`;
      const g = groups.get(id) ?? { region: s.region, since, until: s.until, keys: [] };
      g.keys.push(key);
      groups.set(id, g);
    }
    // Read a day at a time (whole windows), so a week of one region's rollups is never in memory at once.
    const chunkMs = Math.max(1, Math.floor(86_400_000 / this.windowMs)) * this.windowMs;
    for (const g of groups.values()) {
      const incidents = (await this.store.listIncidents({ region: g.region, since: new Date(g.since) })).filter((i) => !isWithdrawn(i));
      const builders = new Map<string, BaselineBuilder>();
      for (const key of g.keys) {
        const network = key.slice(key.indexOf("|") + 1);
        // Windows inside this network's incidents (or the region's dark ones) are not "usual".
        const excluded: Interval[] = incidents
          .filter((i) => i.network === network || i.network === null)
          .map((i) => ({ from: Date.parse(i.startedAt), to: i.endedAt === null ? null : Date.parse(i.endedAt) }));
        builders.set(key, new BaselineBuilder(excluded, this.config, { from: g.since, to: g.until }));
      }
      for (let start = g.since; start < g.until; start += chunkMs) {
        const rows = await this.store.targetStats({
          since: new Date(start), until: new Date(Math.min(start + chunkMs, g.until)), region: g.region,
          bucketSeconds: this.config.windowSeconds,
        });
        const index = indexWindows(rows, this.config.windowSeconds);
        for (const [key, builder] of builders) builder.add(index.networks.get(key) ?? [], index.control);
      }
      for (const [key, builder] of builders) {
        const built = { ...builder.build(nowMs), ...(g.until < nowMs ? { until: g.until } : {}) };
        // Unchanged but for computedAt: keep the same object, so cached window verdicts stay valid.
        const known = this.parsedBaselines.get(key)?.baseline;
        const figures = (b: Baseline): string => JSON.stringify({ ...b, computedAt: 0, until: 0 });
        const same = known !== undefined && figures(known) === figures(built);
        const raw = JSON.stringify(built);
        await this.store.setState(BASELINE_KEY + key, raw);
        if (same) {
          // Same figures: same identity for the evaluator's cache; only computedAt and until move on.
          known.computedAt = built.computedAt;
          if (built.until === undefined) delete known.until;
          else known.until = built.until;
          this.parsedBaselines.set(key, { raw, baseline: known });
          out.set(key, known);
        } else {
          this.parsedBaselines.set(key, { raw, baseline: built });
          out.set(key, built);
        }
      }
    }
    return out;
  }

  private parsed(key: string, raw: string): Baseline {
    const known = this.parsedBaselines.get(key);
    if (known?.raw === raw) return known.baseline;
    const baseline = JSON.parse(raw) as Baseline;
    this.parsedBaselines.set(key, { raw, baseline });
    return baseline;
  }
}
