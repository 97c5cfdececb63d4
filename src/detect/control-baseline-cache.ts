// The control vantages' usual performance per target (./control-baseline.ts), cached in the store's state beside
// the networks' baselines (./baseline-cache.ts) and in memory.
import type { DetectorConfig } from "../config/schema.js";
import type { Store } from "../store/store.js";
import { BASELINE_KEY } from "./baseline-cache.js";
import type { ControlBaseline } from "./baseline-types.js";
import { ControlBaselineBuilder } from "./control-baseline.js";
import { indexWindows, windowStartOf } from "./window.js";

/** The control vantage's usual performance, stored beside the networks' baselines. */
export const CONTROL_BASELINE_KEY = "*control*";

export class ControlBaselineCache {
  private parsed: { raw: string; computedAt: number; baseline: ControlBaseline } | null = null;
  private readonly windowMs: number;

  constructor(private readonly store: Store, private readonly config: DetectorConfig, private readonly refreshSeconds: number) {
    this.windowMs = config.windowSeconds * 1000;
  }

  /** The control vantages' usual performance per target, cached like the networks' baselines. */
  async get(controlRegions: readonly string[], nowMs: number): Promise<ControlBaseline | undefined> {
    if (controlRegions.length === 0) return undefined;
    const refreshMs = this.refreshSeconds * 1000;
    const raw = await this.store.getState(BASELINE_KEY + CONTROL_BASELINE_KEY);
    const known = this.parsed;
    if (raw !== null && known?.raw === raw && nowMs - known.computedAt < refreshMs) return known.baseline;
    if (raw !== null && known === null) {
      const stored = JSON.parse(raw) as { computedAt: number; targets: ControlBaseline };
      this.parsed = { raw, computedAt: stored.computedAt, baseline: stored.targets };
      if (nowMs - stored.computedAt < refreshMs) return stored.targets;
    }
    // Windows that started before now only (a replay's store already holds later ones).
    const since = windowStartOf(nowMs - this.config.baselineHours * 3_600_000, this.windowMs);
    const chunkMs = Math.max(1, Math.floor(86_400_000 / this.windowMs)) * this.windowMs;
    const builder = new ControlBaselineBuilder();
    for (const region of controlRegions) {
      for (let start = since; start < nowMs; start += chunkMs) {
        const rows = await this.store.targetStats({
          since: new Date(start), until: new Date(Math.min(start + chunkMs, nowMs)), region,
          bucketSeconds: this.config.windowSeconds,
        });
        builder.add(indexWindows(rows, this.config.windowSeconds).control.values());
      }
    }
    const baseline = builder.build();
    const text = JSON.stringify({ computedAt: nowMs, targets: baseline });
    await this.store.setState(BASELINE_KEY + CONTROL_BASELINE_KEY, text);
    this.parsed = { raw: text, computedAt: nowMs, baseline };
    return baseline;
  }
}
