// Per-target check counts with bounded cardinality. Labels come only from the configuration: a target URL
// that is not a configured target, a region or a network the configuration does not have, is never a label
// value (an upload cannot mint series), and past `maxSeries` (region, network, target) triples new ones are
// dropped and counted instead of growing the exposition without bound.
import { Counter, type Registry } from "prom-client";
import type { KeepWatchConfig, TargetConfig } from "../config/schema.js";
import { normalizeUrl } from "../config/whitelist.js";
import type { Measurement } from "../measurement.js";

export const DEFAULT_MAX_TARGET_SERIES = 5_000;

/** ok, down (fails for the control too), blocked (a control showed it is the network's), failed (no control could tell). */
export type TargetOutcome = "ok" | "down" | "blocked" | "failed";

export function targetOutcome(m: Measurement): TargetOutcome {
  const v = m.verdict;
  if (v.accessible) return "ok";
  if (v.blocking === null) return "down";
  return v.determined ? "blocked" : "failed";
}

export interface TargetSeriesOptions {
  config?: KeepWatchConfig;
  targets?: TargetConfig[];
  maxSeries?: number;
}

export class TargetSeries {
  private readonly checks: Counter<"region" | "network" | "target" | "outcome">;
  private readonly dropped: Counter<"reason">;
  private readonly targets: Set<string>;
  private readonly regions: Set<string>;
  private readonly networks: Set<string>;
  private readonly seen = new Set<string>();
  private readonly maxSeries: number;

  constructor(registers: Registry[], o: TargetSeriesOptions) {
    this.targets = new Set((o.targets ?? []).map((t) => normalizeUrl(t.url)));
    this.regions = new Set([...(o.config?.regions ?? []).map((r) => r.id), ...(o.config?.controls ?? []).map((c) => c.id)]);
    this.networks = new Set((o.config?.networks ?? []).map((n) => n.id));
    this.maxSeries = o.maxSeries ?? DEFAULT_MAX_TARGET_SERIES;
    this.checks = new Counter({
      name: "keepwatch_target_checks_total",
      help: "Checks of each configured target, by region, network and outcome (ok, down, blocked, failed); success ratio = rate of ok / rate of all",
      labelNames: ["region", "network", "target", "outcome"],
      registers,
    });
    this.dropped = new Counter({
      name: "keepwatch_target_checks_dropped_total",
      help: "Checks not counted per target: unconfigured (target, region or network not in the configuration) or cap (series limit reached)",
      labelNames: ["reason"],
      registers,
    });
    // Both reasons present from the start, so rate() and alerts see a 0 rather than no series.
    this.dropped.inc({ reason: "unconfigured" }, 0);
    this.dropped.inc({ reason: "cap" }, 0);
  }

  record(m: Measurement): void {
    const target = normalizeUrl(m.target.url);
    if (!this.targets.has(target) || !this.regions.has(m.region) || !this.networks.has(m.network.id)) {
      this.dropped.inc({ reason: "unconfigured" });
      return;
    }
    const key = `${m.region}\u0000${m.network.id}\u0000${target}`;
    if (!this.seen.has(key)) {
      if (this.seen.size >= this.maxSeries) {
        this.dropped.inc({ reason: "cap" });
        return;
      }
      this.seen.add(key);
    }
    this.checks.inc({ region: m.region, network: m.network.id, target, outcome: targetOutcome(m) });
  }
}
