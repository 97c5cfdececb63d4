// The pure core end to end on synthetic window data: every incident kind, and every case that must
// stay quiet. No store: rows are what store.targetStats would return.
import { describe, expect, it } from "vitest";
import type { TargetStatsRow } from "../../src/store/store.js";
import {
  T0, WINDOW_MS, config, makeTargets, normal, run, series, type Outcome, type SynthTarget,
} from "./synthetic.js";

const REGION = "KZ-75";
const NET = "kcell-mobile";
const TARGETS = makeTargets(10, 40);
const MESSENGERS = TARGETS.filter((t) => t.category === "messengers");

/** Region rows (2 probes) with `during` applied in windows [24, 32), plus a healthy control vantage. */
function scenario(during: (t: SynthTarget) => Outcome, opts: { control?: boolean; probes?: string[] } = {}): TargetStatsRow[] {
  const rows = series({
    region: REGION, network: NET, probes: opts.probes ?? ["p1", "p2"], targets: TARGETS, from: 0, to: 40,
    outcome: ({ window, target }) => (window >= 24 && window < 32 ? during(target) : normal()),
  });
  if (opts.control !== false) rows.push(...controlRows(() => true));
  return rows;
}

function controlRows(works: (t: SynthTarget, window: number) => boolean): TargetStatsRow[] {
  return series({
    region: "CONTROL-EU", network: "hetzner", role: "control", probes: ["c1"], targets: TARGETS, from: 0, to: 40,
    outcome: ({ target, window }) => (works(target, window) ? normal() : { ok: false, blocking: null }),
  });
}

const evaluateScenario = (rows: TargetStatsRow[]) => run({ rows, historyWindows: 24, fromWindow: 20, toWindow: 40 });

describe("incident kinds", () => {
  it("full shutdown: whitelisted and other sites all fail", () => {
    const { findings } = evaluateScenario(scenario(() => ({ ok: false, blocking: "tcp" })));
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.kind).toBe("full_shutdown");
    expect(f.network).toBe(NET);
    expect(f.targets).toEqual(["list:non_whitelisted", "list:whitelisted"]);
    expect(f.firstBad.start).toBe(T0 + 24 * WINDOW_MS);
    expect(f.lastGood?.start).toBe(T0 + 23 * WINDOW_MS);
    expect(f.recovery?.start).toBe(T0 + 32 * WINDOW_MS);
    expect(f.confidence).toBe("confirmed");
    expect(f.probes).toEqual(["p1", "p2"]);
    expect(f.figures["nonWhitelistedObserved"]).toBe(0);
    expect(f.figures["nonWhitelistedUsual"]).toBe(1);
  });

  it("whitelist-only: whitelisted keep working, the rest fails while the control reaches it", () => {
    const { findings } = evaluateScenario(scenario((t) => (t.list === "whitelisted" ? normal() : { ok: false, blocking: "tls" })));
    expect(findings.map((f) => f.kind)).toEqual(["whitelist_only"]);
    expect(findings[0]!.targets).toEqual(["list:non_whitelisted"]);
    expect(findings[0]!.confidence).toBe("confirmed");
    expect(findings[0]!.figures["whitelistedObserved"]).toBe(1);
  });

  it("whitelist-only without any control data is still found, but only suspected", () => {
    const rows = scenario((t) => (t.list === "whitelisted" ? normal() : { ok: false, blocking: "tls" }), { control: false });
    const { findings } = evaluateScenario(rows);
    expect(findings.map((f) => [f.kind, f.confidence])).toEqual([["whitelist_only", "suspected"]]);
  });

  it("service blocking: a category newly fails while the rest works, and is named", () => {
    const blocked = new Set(MESSENGERS.map((t) => t.url));
    const { findings } = evaluateScenario(scenario((t) => (blocked.has(t.url) ? { ok: false, blocking: "tls" } : normal())));
    expect(findings.map((f) => f.kind)).toEqual(["service_blocking"]);
    expect(findings[0]!.targets).toEqual([...blocked].sort());
  });

  it("DNS interference: the same blocking done with DNS lies", () => {
    const blocked = new Set(MESSENGERS.map((t) => t.url));
    const { findings } = evaluateScenario(scenario((t) => (blocked.has(t.url) ? { ok: false, blocking: "dns" } : normal())));
    expect(findings.map((f) => f.kind)).toEqual(["dns_interference"]);
    expect(findings[0]!.targets).toEqual([...blocked].sort());
    expect(findings[0]!.figures["dnsShare"]).toBe(1);
  });

  it("throttling: reachable, but throughput far below the network's own baseline", () => {
    const { findings } = evaluateScenario(scenario(() => ({ ok: true, throughput: 150_000, tls: 0.05 })));
    expect(findings.map((f) => f.kind)).toEqual(["throttling"]);
    expect(findings[0]!.figures["throughputRatio"]).toBeCloseTo(0.075, 5);
    expect(findings[0]!.confidence).toBe("confirmed");
  });

  it("throttling: TLS handshakes far slower than usual", () => {
    const { findings } = evaluateScenario(scenario(() => ({ ok: true, throughput: 1_900_000, tls: 0.6 })));
    expect(findings.map((f) => f.kind)).toEqual(["throttling"]);
    expect(findings[0]!.figures["tlsHandshakeRatio"]).toBeCloseTo(12, 5);
  });

  it("a slowdown under throttleFactor is not throttling", () => {
    const { findings } = evaluateScenario(scenario(() => ({ ok: true, throughput: 700_000, tls: 0.15 })));
    expect(findings).toEqual([]);
  });

  it("dark: every probe of a region silent while another region reports", () => {
    const rows = [
      ...series({ region: REGION, network: NET, probes: ["p1", "p2"], targets: TARGETS, from: 0, to: 24, outcome: normal }),
      ...series({ region: REGION, network: NET, probes: ["p1", "p2"], targets: TARGETS, from: 34, to: 40, outcome: normal }),
      ...series({ region: "KZ-ALA", network: "beeline", probes: ["a1"], targets: TARGETS, from: 0, to: 40, outcome: normal }),
    ];
    const seen = [
      { region: REGION, network: NET, probeId: "p1", lastAt: T0 + 39 * WINDOW_MS + 60_000 },
      { region: REGION, network: NET, probeId: "p2", lastAt: T0 + 39 * WINDOW_MS + 60_000 },
    ];
    const { findings } = run({ rows, historyWindows: 24, fromWindow: 20, toWindow: 40, regions: [REGION], seen });
    const dark = findings.filter((f) => f.kind === "dark");
    expect(dark).toHaveLength(1);
    const d = dark[0]!;
    expect(d.network).toBeNull();
    expect(d.lastGood?.lastAt).toBe(T0 + 23 * WINDOW_MS + 60_000);
    expect(d.firstBad.start).toBe(T0 + 24 * WINDOW_MS);
    expect(d.recovery?.start).toBe(T0 + 34 * WINDOW_MS);
    expect(d.confidence).toBe("confirmed");
    expect(findings.filter((f) => f.kind !== "dark")).toEqual([]);
  });
});

describe("cases that must stay quiet", () => {
  it("one site down for everyone (fails from the control too) is a site outage, not an incident", () => {
    const site = TARGETS[12]!;
    const down = (t: SynthTarget, w: number): boolean => t.url === site.url && w >= 24 && w < 32;
    const region = series({
      region: REGION, network: NET, probes: ["p1", "p2"], targets: TARGETS, from: 0, to: 40, samplesPerProbe: 2,
      // A timeout the probe's own check could not tell from blocking (it has no control of its own here).
      outcome: ({ target, window }) => (down(target, window) ? { ok: false, blocking: "tcp" } : normal()),
    });
    const withControl = evaluateScenario([...region, ...controlRows((t, w) => !down(t, w))]);
    expect(withControl.findings).toEqual([]);
    // The same region data without the control's view would be read as blocking of that one site:
    // the control is what keeps it quiet.
    const without = evaluateScenario(region);
    expect(without.findings.map((f) => [f.kind, f.targets, f.confidence])).toEqual([["service_blocking", [site.url], "suspected"]]);
  });

  it("one probe flapping (failing everything every other window) among several", () => {
    const rows = series({
      region: REGION, network: NET, probes: ["p1", "p2", "p3"], targets: TARGETS, from: 0, to: 60,
      outcome: ({ window, probe }) => (probe === "p3" && window >= 24 && window % 2 === 0 ? { ok: false, blocking: "tcp" } : normal()),
    });
    const { findings } = run({ rows: [...rows, ...controlRows(() => true)], historyWindows: 24, fromWindow: 20, toWindow: 60 });
    expect(findings).toEqual([]);
  });

  it("a network's only probe flapping between all-fail and all-ok windows never opens (hysteresis)", () => {
    const rows = series({
      region: REGION, network: NET, probes: ["p1"], targets: TARGETS, from: 0, to: 60,
      outcome: ({ window }) => (window >= 24 && window % 2 === 0 ? { ok: false, blocking: "tcp" } : normal()),
    });
    const { findings } = run({ rows, historyWindows: 24, fromWindow: 20, toWindow: 60 });
    expect(findings).toEqual([]);
  });

  it("2% random packet-loss noise over 200 targets and 3 probes for a day", () => {
    const targets = makeTargets(40, 160, ["news", "social", "messengers", "video", "shop", "blogs", "search", "maps"]);
    const rows = series({
      region: REGION, network: NET, probes: ["p1", "p2", "p3"], targets, from: 0, to: 24 + 288, seed: 42,
      outcome: ({ random }) => (random() < 0.02 ? { ok: false, blocking: "tcp" } : normal()),
    });
    const failures = rows.reduce((n, r) => n + r.total - r.ok, 0);
    expect(failures).toBeGreaterThan(0.015 * rows.length); // the noise is really there
    const { findings } = run({ rows, historyWindows: 24, fromWindow: 24, toWindow: 24 + 288 });
    expect(findings).toEqual([]);
  });

  it("a national-sized network (150 targets, one probe, 2 % noise) stays quiet for a day after a day of the same noise", () => {
    // 150 targets give noise 150 chances per window. With 1e-5 per target instead of per network window, a
    // run of 3 arose about once a day: these three seeds each published a false service_blocking then.
    const targets = makeTargets(30, 120, ["news", "social", "messengers", "video", "shop", "blogs", "search", "maps"]);
    for (const seed of [3, 4, 8]) {
      const rows = series({
        region: REGION, network: NET, probes: ["p1"], targets, from: 0, to: 576, seed,
        outcome: ({ random }) => (random() < 0.02 ? { ok: false, blocking: "tcp" } : normal()),
      });
      const { findings } = run({ rows, historyWindows: 288, fromWindow: 288, toWindow: 576 });
      expect(findings.map((f) => `seed ${seed}: ${f.kind} ${f.targets.join(",")}`)).toEqual([]);
    }
  });

  it("a site blocked for years is the baseline and never alarms", () => {
    const site = TARGETS[15]!;
    const rows = [
      ...series({
        region: REGION, network: NET, probes: ["p1", "p2"], targets: TARGETS, from: 0, to: 40, samplesPerProbe: 2,
        outcome: ({ target }) => (target.url === site.url ? { ok: false, blocking: "dns" } : normal()),
      }),
      ...controlRows(() => true),
    ];
    const { findings, baselines } = evaluateScenario(rows);
    expect(baselines.get(`${REGION}|${NET}`)?.targets[site.url]?.ratio).toBe(0);
    expect(findings).toEqual([]);
  });

  it("a probe restarting (a short gap in the data) is neither dark nor an incident", () => {
    const rows = [
      ...series({
        region: REGION, network: NET, probes: ["p1"], targets: TARGETS, from: 0, to: 40,
        outcome: normal,
      }).filter((r) => { const w = (Date.parse(r.bucketStart) - T0) / WINDOW_MS; return w !== 26 && w !== 27; }),
      ...series({ region: "KZ-ALA", network: "beeline", probes: ["a1"], targets: TARGETS, from: 0, to: 40, outcome: normal }),
    ];
    const seen = [{ region: REGION, network: NET, probeId: "p1", lastAt: T0 + 39 * WINDOW_MS + 60_000 }];
    const { findings } = run({ rows, historyWindows: 24, fromWindow: 20, toWindow: 40, regions: [REGION], seen });
    expect(findings).toEqual([]);
  });

  it("warm-up (prior 'none'): a shutdown before warmupWindows windows of history gives only 'insufficient'", () => {
    const rows = series({
      region: REGION, network: NET, probes: ["p1", "p2"], targets: TARGETS, from: 0, to: 12,
      outcome: ({ window }) => (window >= 4 ? { ok: false, blocking: "tcp" } : normal()),
    });
    const { findings, latest } = run({ rows, historyWindows: 4, fromWindow: 0, toWindow: 12, config: config({ prior: "none" }) });
    expect(findings).toEqual([]);
    expect(latest.get(`${REGION}|${NET}`)).toMatchObject({ status: "insufficient", reason: "warm_up" });
  });

  it("windows with fewer than minSamples measurements are insufficient, not bad", () => {
    const few = makeTargets(1, 1);
    const rows = series({
      region: REGION, network: NET, probes: ["p1"], targets: few, from: 0, to: 40,
      outcome: ({ window }) => (window >= 24 ? { ok: false, blocking: "tcp" } : normal()),
    });
    const { findings, latest } = run({ rows, historyWindows: 24, fromWindow: 20, toWindow: 40, config: config({ minSamples: 3, warmupWindows: 6 }) });
    expect(findings).toEqual([]);
    expect(latest.get(`${REGION}|${NET}`)).toMatchObject({ status: "insufficient", reason: "few_samples" });
  });
});

describe("hysteresis and kind changes on real windows", () => {
  it("one bad window does not open; openAfter bad windows do", () => {
    const one = series({
      region: REGION, network: NET, probes: ["p1", "p2"], targets: TARGETS, from: 0, to: 40,
      outcome: ({ window }) => (window === 30 ? { ok: false, blocking: "tcp" } : normal()),
    });
    expect(run({ rows: one, historyWindows: 24, fromWindow: 20, toWindow: 40 }).findings).toEqual([]);
    const three = series({
      region: REGION, network: NET, probes: ["p1", "p2"], targets: TARGETS, from: 0, to: 40,
      outcome: ({ window }) => (window >= 30 && window < 33 ? { ok: false, blocking: "tcp" } : normal()),
    });
    const { findings } = run({ rows: three, historyWindows: 24, fromWindow: 20, toWindow: 40, config: config({ openAfter: 3 }) });
    expect(findings.map((f) => [f.kind, f.firstBad.start, f.recovery?.start])).toEqual([
      ["full_shutdown", T0 + 30 * WINDOW_MS, T0 + 33 * WINDOW_MS],
    ]);
  });

  it("service blocking escalating to whitelist-only stays one incident whose kind changes", () => {
    const blocked = new Set(MESSENGERS.map((t) => t.url));
    const rows = [
      ...series({
        region: REGION, network: NET, probes: ["p1", "p2"], targets: TARGETS, from: 0, to: 40,
        outcome: ({ window, target }) => {
          if (window >= 24 && window < 27 && blocked.has(target.url)) return { ok: false, blocking: "tls" };
          if (window >= 27 && window < 34 && target.list === "non_whitelisted") return { ok: false, blocking: "tls" };
          return normal();
        },
      }),
      ...controlRows(() => true),
    ];
    const { findings } = evaluateScenario(rows);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.kind).toBe("whitelist_only");
    expect(findings[0]!.kinds).toEqual([
      { kind: "service_blocking", since: T0 + 24 * WINDOW_MS },
      { kind: "whitelist_only", since: T0 + 27 * WINDOW_MS },
    ]);
    expect(findings[0]!.firstBad.start).toBe(T0 + 24 * WINDOW_MS);
  });

  it("two networks of one region agreeing make a single-probe finding confirmed", () => {
    const fail = (): Outcome => ({ ok: false, blocking: "tcp" });
    const rows = [
      ...series({ region: REGION, network: NET, probes: ["p1"], targets: TARGETS, from: 0, to: 40,
        outcome: ({ window }) => (window >= 24 && window < 32 ? fail() : normal()) }),
      ...series({ region: REGION, network: "beeline-fixed", probes: ["b1"], targets: TARGETS, from: 0, to: 40,
        outcome: ({ window }) => (window >= 25 && window < 32 ? fail() : normal()) }),
      ...controlRows(() => true),
    ];
    const { findings } = evaluateScenario(rows);
    expect(findings.map((f) => [f.network, f.confidence, f.networks])).toEqual([
      [NET, "confirmed", ["beeline-fixed", NET]],
      ["beeline-fixed", "confirmed", ["beeline-fixed", NET]],
    ]);
  });
});
