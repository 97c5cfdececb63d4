// The IncrementalEvaluator against the one-shot evaluate(): pass after pass over data that arrives
// window by window, partly late (a region's spool, a probe catching up), with a site outage on the
// control vantage and a baseline refresh, its findings must equal evaluate() over everything visible
// at that moment, while it classifies only the windows whose data changed.
import { describe, expect, it } from "vitest";
import type { TargetStatsRow } from "../../src/store/store.js";
import { summarizeActivity } from "../../src/detect/activity.js";
import { computeBaseline, type Baseline } from "../../src/detect/baseline.js";
import { evaluate, type ProbeSeen } from "./evaluate-once.js";
import { IncrementalEvaluator, type PassPlan } from "../../src/detect/incremental.js";
import { indexWindows, windowStartOf } from "../../src/detect/window.js";
import {
  T0, WINDOW_MS, config, makeTargets, networkStatsOf, normal, series, type Outcome, type SynthTarget,
} from "./synthetic.js";

const cfg = config();
const TARGETS = makeTargets(4, 12);
const HORIZON_WINDOWS = 12;
const cut = (t: SynthTarget): Outcome => (t.list === "whitelisted" ? normal() : { ok: false, blocking: "tls" });

/** A row and when the store got it (epoch ms). */
interface Arrival {
  row: TargetStatsRow;
  at: number;
}

/** Rows of window w arrive while it runs: probe "p1" a quarter in, every other probe three quarters in. */
function onTime(rows: TargetStatsRow[]): Arrival[] {
  return rows.map((row) => ({ row, at: Date.parse(row.bucketStart) + (row.probeId === "p1" ? WINDOW_MS / 4 : (3 * WINDOW_MS) / 4) }));
}

function world(): Arrival[] {
  return [
    // KZ-75 on kcell: whitelist-only in windows 28-33.
    ...onTime(series({
      region: "KZ-75", network: "kcell", probes: ["p1", "p2"], targets: TARGETS, from: 0, to: 44, seed: 1,
      outcome: ({ window, target }) => (window >= 28 && window < 34 ? cut(target) : normal()),
    })),
    // KZ-75 on beeline: normal, one probe.
    ...onTime(series({ region: "KZ-75", network: "beeline", probes: ["b1"], targets: TARGETS, from: 0, to: 44, seed: 2, outcome: normal })),
    // KZ-ALA: its only agent is cut off from window 30 and uploads its spool (a full shutdown) at window 38.
    ...series({
      region: "KZ-ALA", network: "tele2", probes: ["a1", "a2"], targets: TARGETS, from: 0, to: 44, seed: 3,
      outcome: ({ window }) => (window >= 30 && window < 36 ? { ok: false, blocking: "tcp" } : normal()),
    }).map((row) => {
      const w = Math.floor((Date.parse(row.bucketStart) - T0) / WINDOW_MS);
      return { row, at: w >= 30 && w < 38 ? T0 + 38 * WINDOW_MS + 1000 : Date.parse(row.bucketStart) + WINDOW_MS / 2 };
    }),
    // A third kcell probe that was offline uploads windows 24-27 late (at window 36): it saw the cut early.
    ...series({
      region: "KZ-75", network: "kcell", probes: ["p3"], targets: TARGETS, from: 24, to: 28, seed: 4,
      outcome: ({ target }) => cut(target),
    }).map((row) => ({ row, at: T0 + 36 * WINDOW_MS + 2000 })),
    // The control vantage; one site is down for everyone in windows 40-41.
    ...onTime(series({
      region: "CONTROL-EU", network: "hetzner", role: "control", probes: ["c1"], targets: TARGETS, from: 0, to: 44, seed: 5,
      outcome: ({ window, target }) => (window >= 40 && window < 42 && target === TARGETS[6] ? { ok: false, blocking: null } : normal()),
    })),
  ];
}

function baselinesFrom(rows: readonly TargetStatsRow[], until: number): Map<string, Baseline> {
  const index = indexWindows(rows.filter((r) => Date.parse(r.bucketStart) < until), cfg.windowSeconds);
  const out = new Map<string, Baseline>();
  for (const [key, windows] of index.networks) out.set(key, computeBaseline(windows, [], cfg, until));
  return out;
}

function seenOf(rows: readonly TargetStatsRow[]): ProbeSeen[] {
  const last = new Map<string, ProbeSeen>();
  for (const r of rows) {
    if (r.role !== "region") continue;
    const key = `${r.region}|${r.network}|${r.probeId}`;
    const at = Date.parse(r.lastAt);
    if ((last.get(key)?.lastAt ?? -1) < at) last.set(key, { region: r.region, network: r.network, probeId: r.probeId, lastAt: at });
  }
  return [...last.values()];
}

/** What store.targetStats would return for the plan's reads. */
function read(plan: PassPlan, rows: readonly TargetStatsRow[]): TargetStatsRow[] {
  return plan.reads.flatMap((q) => rows.filter((r) => {
    const b = Date.parse(r.bucketStart);
    return b >= q.since && b < q.until && (q.region === undefined || r.region === q.region) && (q.role === undefined || r.role === q.role);
  }));
}

describe("IncrementalEvaluator", () => {
  it("gives evaluate()'s findings on every pass while classifying only changed windows", () => {
    const all = world();
    const inc = new IncrementalEvaluator(cfg);
    let baselines = baselinesFrom(all.map((a) => a.row), T0 + 24 * WINDOW_MS);
    const classifiedPerPass: number[] = [];
    const kinds = new Set<string>();

    // A pass every half window, from window 26 to 44.
    for (let half = 52; half < 88; half++) {
      const now = T0 + (half * WINDOW_MS) / 2;
      if (half === 70) baselines = baselinesFrom(all.map((a) => a.row), T0 + 25 * WINDOW_MS); // hourly refresh
      const from = windowStartOf(now - HORIZON_WINDOWS * WINDOW_MS, WINDOW_MS);
      const rowsFrom = from - cfg.darkAfterSeconds * 1000 - WINDOW_MS;
      const visible = all.filter((a) => a.at <= now).map((a) => a.row)
        .filter((r) => Date.parse(r.bucketStart) >= rowsFrom && Date.parse(r.bucketStart) < now + WINDOW_MS);
      const seen = seenOf(all.filter((a) => a.at <= now).map((a) => a.row));
      const regions = ["KZ-75", "KZ-ALA"];

      const expected = evaluate({
        index: indexWindows(visible, cfg.windowSeconds), baselines, seeds: new Map(), regions, seen, from, now, config: cfg,
      });
      const plan = inc.plan({ activity: summarizeActivity(networkStatsOf(visible), cfg.windowSeconds), baselines, from, now });
      let got = inc.finish(plan, read(plan, visible), { seeds: new Map(), regions, seen });
      let n = got.classified;
      if (got.retry) {
        const again = inc.plan({ activity: summarizeActivity(networkStatsOf(visible), cfg.windowSeconds), baselines, from, now });
        got = inc.finish(again, read(again, visible), { seeds: new Map(), regions, seen });
        n += got.classified;
      }

      expect(got.findings, `pass at window ${half / 2}`).toEqual(expected.findings);
      expect(got.latest).toEqual(expected.latest);
      classifiedPerPass.push(n);
      for (const f of got.findings) kinds.add(`${f.region}/${f.network}:${f.kind}`);
    }

    // The story was told: the late spool turned KZ-ALA's darkness into a shutdown.
    expect([...kinds].sort()).toEqual(["KZ-75/kcell:whitelist_only", "KZ-ALA/null:dark", "KZ-ALA/tele2:full_shutdown"]);
    // First pass: the whole horizon (3 networks × 12 windows, the newest only partly measured yet).
    expect(classifiedPerPass[0]).toBe(3 * HORIZON_WINDOWS);
    const at = (window: number, half = 0): number => classifiedPerPass[(window - 26) * 2 + half] ?? -1;
    // Routine passes touch the newest windows only. Half way through window 27: kcell's p1 and KZ-ALA
    // reported in it. At the start of 28: p2, beeline and the control vantage completed window 27, and a
    // new control print means every network's window 27 is judged again.
    expect(at(27, 1)).toBe(2);
    expect(at(28)).toBe(3);
    expect(at(31, 1)).toBe(1); // KZ-ALA is silent: only kcell's p1
    // A new baseline object for every network (window 35): the whole horizon 23-34, where KZ-ALA has
    // data only in 23-29 so far.
    expect(at(35)).toBe(12 + 12 + 7);
    // Late data: p3's four windows (24-27) on kcell, and kcell's newest; p3's failures there start runs
    // that carry into 28-30, so a second round classifies 28 onwards (9 windows) as well.
    expect(at(36, 1)).toBe(4 + 1 + 9);
    // The spool: KZ-ALA's eight missing windows (30-37), and the newest window of kcell and KZ-ALA.
    expect(at(38, 1)).toBe(8 + 2);
    // Every pass after the first did far less than the horizon, except the baseline refresh.
    expect(classifiedPerPass.filter((n) => n > 10)).toEqual([3 * HORIZON_WINDOWS, 31, 14]);
  });

  it("reclassifies a window whose control data changed, and reads a late region by itself", () => {
    const rows = [
      ...series({ region: "KZ-75", network: "kcell", probes: ["p1"], targets: TARGETS, from: 0, to: 30, outcome: normal }),
      ...series({ region: "KZ-ALA", network: "tele2", probes: ["a1"], targets: TARGETS, from: 0, to: 30, outcome: normal }),
      ...series({ region: "KZ-11", network: "tele2", probes: ["k1"], targets: TARGETS, from: 0, to: 30, outcome: normal }),
      ...series({ region: "CONTROL-EU", network: "hetzner", role: "control", probes: ["c1"], targets: TARGETS, from: 0, to: 30, outcome: normal }),
    ];
    const baselines = baselinesFrom(rows, T0 + 20 * WINDOW_MS);
    const inc = new IncrementalEvaluator(cfg);
    const from = T0 + 20 * WINDOW_MS;
    const now = T0 + 30 * WINDOW_MS;
    const pass = (visible: TargetStatsRow[]) => {
      const plan = inc.plan({ activity: summarizeActivity(networkStatsOf(visible), cfg.windowSeconds), baselines, from, now });
      return { plan, result: inc.finish(plan, read(plan, visible), { seeds: new Map(), regions: [], seen: [] }) };
    };
    expect(pass(rows).result.classified).toBe(30);
    const again = pass(rows);
    expect(again.plan.reads).toEqual([]);
    expect(again.result.classified).toBe(0);

    // A second control probe's rows for window 25: every network's windows 25 and 26 (whose view of the
    // control reaches back one window) are judged again; the control is read from the window before.
    const control25 = series({
      region: "CONTROL-EU", network: "hetzner", role: "control", probes: ["c2"], targets: TARGETS, from: 25, to: 26, outcome: normal,
    });
    const withControl = pass([...rows, ...control25]);
    expect(withControl.result.classified).toBe(6);
    expect(withControl.plan.reads).toEqual([
      { since: T0 + 25 * WINDOW_MS, until: T0 + 27 * WINDOW_MS, role: "region" },
      { since: T0 + 24 * WINDOW_MS, until: T0 + 27 * WINDOW_MS, region: "CONTROL-EU", role: "control" },
    ]);

    // A late probe in KZ-ALA for windows 22-23: only KZ-ALA and the control vantage are read.
    const late = series({ region: "KZ-ALA", network: "tele2", probes: ["a2"], targets: TARGETS, from: 22, to: 24, outcome: normal });
    const withLate = pass([...rows, ...control25, ...late]);
    expect(withLate.result.classified).toBe(2);
    expect(withLate.plan.reads).toEqual([
      { since: T0 + 22 * WINDOW_MS, until: T0 + 24 * WINDOW_MS, region: "KZ-ALA", role: "region" },
      { since: T0 + 21 * WINDOW_MS, until: T0 + 24 * WINDOW_MS, region: "CONTROL-EU", role: "control" },
    ]);

    // clear() forgets everything: the whole horizon again.
    inc.clear();
    expect(pass([...rows, ...control25, ...late]).result.classified).toBe(30);
  });
});
