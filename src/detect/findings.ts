// From per-window verdicts to findings: hysteresis episodes per region × network, darkness per network
// and region from who reported when (dark-findings.ts), then agreement across probes and networks. Shared
// by the one-shot evaluate() and the IncrementalEvaluator, so both give the same findings. Pure.
import { familyOf } from "./family.js";
import type { BadWindow, WindowVerdict } from "./types.js";
import type { ActivityIndex } from "./dark.js";
import { darkFindings } from "./dark-findings.js";
import type { EvaluateInput, EvaluateResult, Finding, SlowThreshold, WindowRef } from "./types.js";
import { episodes, type Episode } from "./hysteresis.js";
import { median } from "./median.js";

/** One region × network's verdicts over the re-evaluated windows, oldest first. */
export interface NetworkSeries {
  region: string;
  network: string;
  verdicts: readonly WindowVerdict[];
}

/** The pass's scope as evaluate() takes it, with the verdicts in place of the raw windows. */
export interface FindingsInput extends Omit<EvaluateInput, "index" | "baselines"> {
  /** Per networkKey, in a stable order (the order findings come out in). */
  networks: ReadonlyMap<string, NetworkSeries>;
  /** Who reported in which window (from the rows or from networkStats), for darkness. */
  activity: ActivityIndex;
}

export function findingsOf(input: FindingsInput): EvaluateResult {
  const { config, from, now } = input;
  const findings: Finding[] = [];
  const latest = new Map<string, WindowVerdict>();

  for (const [key, s] of input.networks) {
    const last = s.verdicts[s.verdicts.length - 1];
    if (last) latest.set(key, last);
    for (const ep of episodes(s.verdicts, config, input.seeds.get(key) ?? null)) {
      findings.push(networkFinding(s.region, s.network, ep, config.controlCoverage));
    }
  }

  findings.push(...darkFindings({
    activity: input.activity, regions: input.regions, seen: input.seen, seeds: input.seeds, from, now, config,
  }));

  crossNetworkAgreement(findings);
  return { findings, latest };
}

function ref(w: { start: number; end: number; lastAt: number }): WindowRef {
  return { start: w.start, end: w.end, lastAt: w.lastAt };
}

/**
 * Each figure's mean over the windows that have it, to 6 decimals. Summing v/n put float noise in published
 * evidence (a usual success of 1.0000000000000004, "8.000000000000004 targets judged"), and a figure only
 * some windows have (a throughput ratio) was divided by every window's count, understating it.
 */
export function meanFigures(perWindow: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const f of perWindow) {
    for (const [k, v] of Object.entries(f)) {
      const s = sums.get(k) ?? { sum: 0, n: 0 };
      s.sum += v;
      s.n += 1;
      sums.set(k, s);
    }
  }
  return Object.fromEntries([...sums].map(([k, { sum, n }]) => [k, Math.round((sum / n) * 1e6) / 1e6]));
}

function networkFinding(region: string, network: string, ep: Episode<WindowVerdict>, minCoverage: number): Finding {
  const bad = ep.bad.filter((w): w is BadWindow => w.status === "bad");
  const ofKind = bad.filter((w) => w.kind === ep.kind);
  const firstClassified = bad[0];
  const lastBad = bad[bad.length - 1];
  const measured = bad.filter((w) => w.measurements > 0);
  const lastMeasured = measured[measured.length - 1];
  const span = (xs: BadWindow[], f: (w: BadWindow) => string[]): string[] => [...new Set(xs.flatMap(f))].sort();
  const figures = meanFigures(ofKind.map((w) => w.figures));
  // The run's first bad measurement may lie windows before the first window classified bad: firstBad then
  // spans from the run's first window to the end of the first one classified bad.
  const firstBad: WindowRef = !firstClassified ? { start: 0, end: 0, lastAt: 0 }
    : ep.since < firstClassified.start ? { start: ep.since, end: firstClassified.end, lastAt: firstClassified.lastAt } : ref(firstClassified);
  const controlCoverage = median(bad.map((w) => w.controlCoverage)) ?? 0;
  const slowWhen = Object.assign({}, ...ofKind.map((w) => w.slowWhen ?? {})) as Record<string, SlowThreshold>;
  return {
    region, network, kind: ep.kind, kinds: ep.kinds, seededFrom: ep.seededFrom,
    firstBad,
    lastBad: lastBad ? ref(lastBad) : { start: 0, end: 0, lastAt: 0 },
    ...(lastMeasured ? { lastMeasured: ref(lastMeasured) } : {}),
    lastGood: ep.lastGood ? ref(ep.lastGood) : null,
    recovery: ep.recovery ? ref(ep.recovery) : null,
    targets: span(ofKind.length ? ofKind : bad, (w) => w.targets),
    affectedUrls: span(bad, (w) => w.affectedUrls),
    openingUrls: span(bad.filter((w) => w.kind === (ep.kinds[0]?.kind ?? ep.kind)), (w) => w.affectedUrls),
    probes: span(bad, (w) => w.agreeingProbes),
    maxAgreeingProbes: Math.max(0, ...bad.map((w) => w.agreeingProbes.length)),
    networks: [network],
    controlAvailable: controlCoverage >= minCoverage && controlCoverage > 0,
    controlCoverage,
    confidence: "suspected",
    counts: {
      badWindows: bad.length,
      measurements: bad.reduce((n, w) => n + w.measurements, 0),
      failures: bad.reduce((n, w) => n + w.failures, 0),
      siteOutagesLeftOut: new Set(bad.flatMap((w) => w.siteOutages)).size,
    },
    figures,
    ...(ep.kind === "throttling" ? { slowWhen } : {}),
  };
}

/** Networks of one region whose findings of the same family overlap in time agree with each other. */
function crossNetworkAgreement(findings: Finding[]): void {
  const overlaps = (a: Finding, b: Finding): boolean =>
    a.firstBad.start < (b.recovery?.start ?? Number.POSITIVE_INFINITY) &&
    b.firstBad.start < (a.recovery?.start ?? Number.POSITIVE_INFINITY);
  for (const f of findings) {
    if (f.network === null) continue;
    const agreeing = findings.filter(
      (g) => g.network !== null && g.region === f.region && familyOf(g.kind) === familyOf(f.kind) && overlaps(f, g),
    );
    f.networks = [...new Set(agreeing.map((g) => g.network as string))].sort();
    const enough = f.maxAgreeingProbes >= 2 || f.networks.length >= 2;
    // Without the control vantage, blocking cannot be told from outages for sure: never "confirmed".
    const controlOk = f.kind === "throttling" || f.controlAvailable;
    f.confidence = enough && controlOk ? "confirmed" : "suspected";
  }
}

