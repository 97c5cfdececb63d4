// The scenario library: what a region's probes and the control vantage would measure under a regime,
// as a timeline of phases, with what the detector must publish about it. A scenario is data: networks
// and probes, targets, phases (each a regime from some round on), expectations. runner.ts plays one
// through the production path at a given cadence. Add scenarios in a file of their own (see
// classify.ts) and list them in index.ts.
import type { TargetList } from "../../../src/measurement.js";
import type { IncidentKind } from "../../../src/incident.js";

export const REGION = "KZ-75";
export const CONTROL_REGION = "CONTROL-EU";

export interface ScenarioTarget {
  url: string;
  list: TargetList;
  category: string;
  /** Measured with a throughput download as well (the config's `throughput: true`). */
  throughput?: boolean;
}

export interface ScenarioNetwork {
  network: string;
  kind: "fixed" | "mobile";
  probes: string[];
}

/** What one measurement comes out as. */
export interface Outcome {
  ok: boolean;
  /** The verdict's blocking layer for a failure; null = down (the check's own control saw it down too). */
  blocking?: "dns" | "tcp" | "tls" | "http-failure" | "http-diff" | null;
  failure?: string;
  /** Body throughput (bytes/s) of a throughput target; null = the download moved nothing. */
  bytesPerSecond?: number | null;
  /** TLS handshake time (s); absent for failures before TLS. */
  tls?: number;
}

export interface MeasureContext {
  role: "region" | "control";
  network: string;
  probe: string;
  target: ScenarioTarget;
  round: number;
  /** Seeded per scenario: the same "random" noise on every run. */
  random: () => number;
  /** What the usual, working measurement would be (with a little natural jitter). */
  usual: () => Outcome;
}

/** A regime: every measurement's outcome, or "skip" when the target is not measured at all. */
export type Regime = (m: MeasureContext) => Outcome | "skip";

export interface Phase {
  /** The regime starts in this round (at the cadence's onset point inside it, mid-round). */
  fromRound: number;
  regime: Regime;
}

export interface ExpectedIncident {
  kind: IncidentKind;
  network: string;
  /** Exactly these targets (URLs or "list:…"). */
  targets: string[];
  confidence: "confirmed" | "suspected";
  /** The phase (index into phases) whose onset the incident starts at. */
  phase: number;
  /** The phase whose onset ends it; absent = still open at the end. */
  endPhase?: number;
  endReason?: string;
}

export interface Scenario {
  name: string;
  networks: ScenarioNetwork[];
  targets: ScenarioTarget[];
  /** Rounds in all; rounds before the first phase are normal history. */
  rounds: number;
  phases: Phase[];
  /** Incidents that must be published, and no others. */
  expect: ExpectedIncident[];
  seed?: number;
}

/** 6 whitelisted government sites, 14 others in four categories; the first four others carry throughput. */
export function standardTargets(): ScenarioTarget[] {
  const out: ScenarioTarget[] = [];
  for (let i = 0; i < 6; i++) out.push({ url: `https://gov${i}.example.kz/`, list: "whitelisted", category: "government" });
  const categories = ["video", "news", "social", "messengers"];
  for (let i = 0; i < 14; i++) {
    out.push({ url: `https://site${i}.example.com/`, list: "non_whitelisted", category: categories[i % 4] ?? "misc", ...(i < 4 ? { throughput: true } : {}) });
  }
  return out;
}

export const ONE_NETWORK: ScenarioNetwork[] = [{ network: "kcell-mobile", kind: "mobile", probes: ["kc1"] }];
export const TWO_NETWORKS: ScenarioNetwork[] = [
  { network: "kcell-mobile", kind: "mobile", probes: ["kc1"] },
  { network: "kaztelecom", kind: "fixed", probes: ["kt1"] },
];

// Regimes, each from the region's point of view; the control vantage measures as usual unless a regime
// says otherwise for role "control".

export const normal: Regime = (m) => m.usual();

/** Each failure of the region's probes at `rate`, as a timeout the probe cannot tell from blocking. */
export function loss(rate: number): Regime {
  return (m) => {
    if (m.role === "region" && m.random() < rate) {
      const layer = m.random() < 0.5 ? "tcp" : "tls";
      return { ok: false, blocking: layer, failure: `${layer}_timeout` };
    }
    return m.usual();
  };
}

export const tlsReset: Outcome = { ok: false, blocking: "tls", failure: "tls_reset" };
export const tcpReset: Outcome = { ok: false, blocking: "tcp", failure: "tcp_reset" };
export const nxdomain: Outcome = { ok: false, blocking: "dns", failure: "dns_nxdomain" };

/** These targets fail in the region the given way; everything else as usual. */
export function block(how: ReadonlyMap<string, Outcome>, networks?: readonly string[]): Regime {
  return (m) => {
    const o = how.get(m.target.url);
    if (o && m.role === "region" && (!networks || networks.includes(m.network))) return o;
    return m.usual();
  };
}

/** Domestic government sites refuse foreign addresses: the control never reaches them. */
export function geofenced(inner: Regime): Regime {
  return (m) => (m.role === "control" && m.target.list === "whitelisted" ? { ok: false, blocking: null, failure: "tcp_refused" } : inner(m));
}

/**
 * Only whitelisted sites work in the region; a few of them fail anyway and a few others leak through
 * (the censor's list is never exact).
 */
export function whitelistOnly(opts: { failingWhite: string[]; leaking: string[] }): Regime {
  return (m) => {
    if (m.role !== "region") return m.usual();
    if (m.target.list === "whitelisted") return opts.failingWhite.includes(m.target.url) ? { ok: false, blocking: "tcp", failure: "tcp_timeout" } : m.usual();
    return opts.leaking.includes(m.target.url) ? m.usual() : tlsReset;
  };
}

export const fullShutdown: Regime = (m) => (m.role === "region" ? { ok: false, blocking: "tcp", failure: "tcp_timeout" } : m.usual());

/**
 * Throughput divided by `factor` and TLS handshakes `factor` times slower for these targets (all when
 * none named). A slow download no longer fits the site check's deadline: the check fails with an
 * http-failure while the throughput download still moves bytes.
 */
export function throttle(factor: number, urls?: readonly string[]): Regime {
  return (m) => {
    const u = m.usual();
    if (m.role !== "region" || (urls && !urls.includes(m.target.url))) return u;
    const slow: Outcome = { ...u, ...(u.tls !== undefined ? { tls: u.tls * factor } : {}) };
    if (m.target.throughput && u.bytesPerSecond) {
      return { ...slow, ok: false, blocking: "http-failure", failure: "generic_timeout_error", bytesPerSecond: u.bytesPerSecond / factor };
    }
    return slow;
  };
}

/** The site is down for everyone: the region and the control both fail it. */
export function siteDown(url: string, controlEvery = 1): Regime {
  return (m) => {
    if (m.target.url !== url) return m.usual();
    if (m.role === "control" && m.round % controlEvery !== 0) return "skip";
    return m.role === "control" ? { ok: false, blocking: null, failure: "tcp_refused" } : { ok: false, blocking: "tcp", failure: "tcp_refused" };
  };
}

/** A site's server is slow for everyone: the control sees it slow too. */
export function slowServer(url: string, factor: number): Regime {
  return (m) => {
    const u = m.usual();
    if (m.target.url !== url) return u;
    return { ...u, ...(u.bytesPerSecond ? { bytesPerSecond: u.bytesPerSecond / factor } : {}), ...(u.tls !== undefined ? { tls: u.tls * factor } : {}) };
  };
}

/** The control vantage does not measure these targets at all. */
export function controlSkips(urls: readonly string[], inner: Regime): Regime {
  return (m) => (m.role === "control" && urls.includes(m.target.url) ? "skip" : inner(m));
}

/** The region's probes stop measuring these targets (removed from the config). */
export function removed(urls: readonly string[], inner: Regime): Regime {
  return (m) => (urls.includes(m.target.url) ? "skip" : inner(m));
}
