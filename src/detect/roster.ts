// The probe roster: which probes count for darkness, how often each measures, when its newest results
// arrived, and whether its clock can be trusted. Held by the Detector across passes (arrival times are
// what it observed: the pass that first saw a probe's newest measurement). Pure apart from that memory.
//
//   active     — not retired by hand (detector.retiredProbes), not moved (its id seen newer elsewhere, or
//                configured elsewhere), not removed from the config (configured on an earlier pass, no
//                longer), and heard (measured or delivered) within retireAfterSeconds.
//   cadence    — from its cron schedule when the config runs it; else observed from its measurements.
//   receivedAt — when its newest measurement first arrived (unknown for what was there at start-up).
//   clock      — skewed when it reports an offset beyond skewToleranceSeconds, or its newest measurement
//                is stamped beyond that in the future of when it arrived, or more than maxLateSeconds in
//                the past: its stamps are then not trusted (lastAt null) and only arrivals keep it alive.
import type { DetectorConfig, KeepWatchConfig } from "../config/schema.js";
import { cronIntervalSeconds } from "./cadence.js";
import type { ProbeSeen } from "./types.js";

export interface LastSeenRow {
  region: string;
  network: string;
  probeId: string;
  /** epoch ms */
  lastAt: number;
}

export interface ConfiguredProbe {
  id: string;
  region: string;
  network: string;
  /** From its schedule; null when the schedule says nothing usable. */
  cadenceSeconds: number | null;
}

export interface RosterInput {
  now: number;
  /** Newest stamp per region × network × probe as stored (may be from the future). */
  stored: readonly LastSeenRow[];
  /** The same, counting only stamps before now + skewToleranceSeconds (null: `stored` has none beyond). */
  bounded: readonly LastSeenRow[] | null;
  /** Observed cadence per probe id (from baselines). */
  observed: ReadonlyMap<string, number>;
  /** The config's probes (role "region"), when the detector runs with a config. */
  configured?: readonly ConfiguredProbe[];
  /** Probe ids configured on earlier passes (persisted by the Detector). */
  everConfigured?: ReadonlySet<string>;
  /** Clock offsets reported by agents (seconds, probe clock minus server clock). */
  offsets?: ReadonlyMap<string, number>;
  /** Replaying stored data (keepwatch detect): no arrival times, nothing in memory changes. */
  replay?: boolean;
}

type RosterConfig = Pick<DetectorConfig, "retireAfterSeconds" | "retiredProbes" | "skewToleranceSeconds" | "maxLateSeconds">;

const keyOf = (r: LastSeenRow): string => `${r.region}|${r.network}|${r.probeId}`;

export class ProbeRoster {
  /** Per region|network|probe: the stored newest stamp last pass, and when it last moved. */
  private readonly memory = new Map<string, {
    lastAt: number; receivedAt: number | null; skew: string | null; arrivals: { after: number; at: number }[];
  }>();
  private lastPass: number | null = null;
  private watchedSince: number | null = null;

  constructor(private readonly config: RosterConfig) {}

  update(input: RosterInput): ProbeSeen[] {
    const now = input.now;
    const cfg = this.config;
    const tol = cfg.skewToleranceSeconds * 1000;
    const bounded = new Map((input.bounded ?? input.stored).map((r) => [keyOf(r), r.lastAt]));
    const configured = new Map((input.configured ?? []).map((p) => [p.id, p]));
    const retired = new Set(cfg.retiredProbes);
    // Where each probe id was heard last (a probe that moved is heard newer elsewhere).
    const newestOf = new Map<string, LastSeenRow>();
    for (const r of input.stored) {
      const n = newestOf.get(r.probeId);
      if (!n || r.lastAt > n.lastAt) newestOf.set(r.probeId, r);
    }

    if (!input.replay) this.watchedSince ??= now;
    const out: ProbeSeen[] = [];
    for (const r of input.stored) {
      const key = keyOf(r);
      const prev = this.memory.get(key);
      let receivedAt: number | null = prev?.receivedAt ?? null;
      let skew: string | null = prev?.skew ?? null;
      const arrivals = (prev?.arrivals ?? []).filter((a) => a.at >= now - ARRIVALS_KEPT_MS);
      if (!input.replay && prev && r.lastAt > prev.lastAt) {
        receivedAt = now;
        arrivals.push({ after: this.lastPass ?? now, at: now });
        // Judged on arrival: a stamp ahead of the time it arrived, or far behind it.
        skew = r.lastAt > now + tol ? "clock ahead: measurements stamped in the future"
          : r.lastAt < now - cfg.maxLateSeconds * 1000 ? "clock behind: measurements stamped far in the past"
          : null;
      }
      const offset = input.offsets?.get(r.probeId);
      if (offset !== undefined && Math.abs(offset) * 1000 > tol) skew = `clock offset ${Math.round(offset)} s reported`;
      if (!input.replay) this.memory.set(key, { lastAt: r.lastAt, receivedAt, skew, arrivals: arrivals.slice(-MAX_ARRIVALS) });

      const trusted = skew === null ? bounded.get(key) ?? null : null;
      const conf = configured.get(r.probeId);
      const heard = Math.max(trusted ?? 0, receivedAt ?? 0);
      let note: string | undefined;
      if (retired.has(r.probeId)) note = "retired (detector.retiredProbes)";
      else if (conf && (conf.region !== r.region || conf.network !== r.network)) note = `moved: configured in ${conf.region}/${conf.network}`;
      else if (!conf && input.configured && input.everConfigured?.has(r.probeId)) note = "removed from the config";
      else if (newestOf.get(r.probeId) !== undefined && keyOf(newestOf.get(r.probeId) as LastSeenRow) !== key) note = "moved: heard more recently elsewhere";
      else if (heard > 0 && now - heard > cfg.retireAfterSeconds * 1000) note = "retired: silent longer than retireAfterSeconds";
      else if (trusted !== null && trusted > now + tol) note = "clock ahead";
      const cadence = conf?.cadenceSeconds ?? input.observed.get(r.probeId) ?? null;
      out.push({
        region: r.region, network: r.network, probeId: r.probeId, lastAt: trusted, receivedAt,
        ...(input.replay ? {} : { arrivals, watchedSince: this.watchedSince ?? now }),
        cadenceSeconds: cadence, active: note === undefined, ...(note ? { note } : skew ? { note: skew } : {}),
      });
    }
    if (!input.replay) this.lastPass = now;
    return out;
  }
}

/** Arrivals older than this are forgotten (the detector never re-derives further back than 48 h). */
const ARRIVALS_KEPT_MS = 48 * 3_600_000;
const MAX_ARRIVALS = 2000;

/**
 * The config's region probes as the roster takes them. A local probe measures on the server's schedule;
 * a remote one may be a worker on that schedule or an agent on its own, so its cadence is observed.
 */
export function configuredProbesOf(config: Pick<KeepWatchConfig, "probes" | "schedule">): ConfiguredProbe[] {
  const cadence = cronIntervalSeconds(config.schedule.cron);
  return config.probes.filter((p) => p.role === "region").map((p) => ({
    id: p.id, region: p.region, network: p.network, cadenceSeconds: p.mode === "local" ? cadence : null,
  }));
}
