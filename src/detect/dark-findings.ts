// Dark findings: per network, and per region when every network of it is dark at once (then the
// region's finding stands for its networks' and theirs are left out). Pure.
import type { DetectorConfig } from "../config/schema.js";
import { networkDarkSeries, regionDarkSeries, reportersAround, type ActivityIndex, type DarkWindow } from "./dark.js";
import type { Finding, ProbeSeen } from "./types.js";
import { episodes, type Episode, type Seed } from "./hysteresis.js";
import { networkKey } from "./window.js";

export interface DarkInput {
  activity: ActivityIndex;
  /** Regions to watch for darkness. */
  regions: readonly string[];
  /** Every probe known, with its state; only active ones (active !== false) count. */
  seen: readonly ProbeSeen[];
  /** Open dark incidents that began before `from`: per region id, and per darkSeedKey(region, network). */
  seeds: ReadonlyMap<string, Seed>;
  from: number;
  now: number;
  config: Pick<DetectorConfig, "windowSeconds" | "darkAfterSeconds" | "cadenceFactor" | "uploadGraceSeconds" | "openAfter" | "closeAfter">;
}

/** Seed key of an open network-level dark incident (distinct from the network's own reachability seed). */
export function darkSeedKey(region: string, network: string): string {
  return `dark|${networkKey(region, network)}`;
}

export function darkFindings(input: DarkInput): Finding[] {
  const { activity, from, now, config } = input;
  const around = reportersAround(activity, from, now);
  const out: Finding[] = [];
  for (const region of input.regions) {
    const active = input.seen.filter((p) => p.region === region && p.active !== false);
    const byNetwork = new Map<string, ProbeSeen[]>();
    for (const p of active) byNetwork.set(p.network, [...(byNetwork.get(p.network) ?? []), p]);
    const networks = [...byNetwork.keys()].sort();
    if (networks.length === 0) continue;
    const series = networks.map((n) => networkDarkSeries(region, n, byNetwork.get(n) ?? [], activity, from, now, config, around));
    const regional = episodes(regionDarkSeries(region, series, around), config, input.seeds.get(region) ?? null)
      .map((ep) => darkFinding(region, null, ep, active));
    out.push(...regional);
    networks.forEach((network, i) => {
      const probes = byNetwork.get(network) ?? [];
      for (const ep of episodes(series[i] ?? [], config, input.seeds.get(darkSeedKey(region, network)) ?? null)) {
        const f = darkFinding(region, network, ep, probes);
        // The region's finding already says it (the whole region went silent together).
        const covered = regional.some((r) => overlaps(r, f) && r.firstBad.start <= f.firstBad.start + activity.windowMs);
        if (!covered || f.seededFrom !== null) out.push(f);
      }
    });
  }
  return out;
}

function overlaps(a: Finding, b: Finding): boolean {
  const end = (f: Finding): number => f.recovery?.start ?? Number.POSITIVE_INFINITY;
  return a.firstBad.start < end(b) && b.firstBad.start < end(a);
}

function ref(w: { start: number; end: number; lastAt: number }): { start: number; end: number; lastAt: number } {
  return { start: w.start, end: w.end, lastAt: w.lastAt };
}

function darkFinding(region: string, network: string | null, ep: Episode<DarkWindow>, silent: readonly ProbeSeen[]): Finding {
  const firstBad = ep.bad[0];
  const lastBad = ep.bad[ep.bad.length - 1];
  const lastHeard = firstBad?.lastHeard ?? null;
  const windowMs = firstBad ? firstBad.end - firstBad.start : 0;
  // The silence began with the first window after the last measurement, not when it crossed the threshold.
  const silentStart = lastHeard !== null && windowMs > 0 ? (Math.floor(lastHeard / windowMs) + 1) * windowMs : firstBad?.start ?? 0;
  const probes = [...new Set(silent.map((s) => s.probeId))].sort();
  const networks = [...new Set(silent.map((s) => s.network))].sort();
  // A lone probe falling silent is also what a volunteer's power cut looks like: suspected. Two probes of
  // the network (or, for a region, two networks) going silent together are the network's silence.
  const agreeing = network === null ? probes.length >= 2 || networks.length >= 2 : probes.length >= 2;
  return {
    region, network, kind: "dark", kinds: ep.kinds, seededFrom: ep.seededFrom,
    firstBad: { start: silentStart, end: silentStart + windowMs, lastAt: silentStart },
    lastBad: lastBad ? ref(lastBad) : { start: 0, end: 0, lastAt: 0 },
    // For a dark network the last good measurement is simply the last one heard.
    lastGood: lastHeard !== null ? { start: lastHeard, end: lastHeard, lastAt: lastHeard } : ep.lastGood ? ref(ep.lastGood) : null,
    recovery: ep.recovery ? ref(ep.recovery) : null,
    targets: [],
    affectedUrls: [],
    probes,
    maxAgreeingProbes: probes.length,
    networks,
    controlAvailable: true,
    controlCoverage: 1,
    confidence: agreeing ? "confirmed" : "suspected",
    counts: {
      badWindows: ep.bad.length,
      othersReporting: Math.max(0, ...ep.bad.map((w) => w.othersReporting)),
    },
    figures: {
      silentSeconds: lastHeard !== null && lastBad ? Math.round((Math.min(lastBad.end, ep.recovery?.start ?? lastBad.end) - lastHeard) / 1000) : 0,
    },
  };
}
