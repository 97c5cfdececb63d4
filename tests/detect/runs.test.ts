// Runs of bad measurements carried across windows: how long a run a target needs, and how a run
// survives windows in which the probe did not measure the target.
import { describe, expect, it } from "vitest";
import { advanceRuns, NO_CARRY, requiredRun, runOf, type Carry, type ProbeObservation } from "../../src/detect/runs.js";
import { PRIOR_TARGET } from "../../src/detect/baseline.js";
import { config } from "./synthetic.js";

const W = 300_000;
const U = "https://t.me/";
const fail = (probe: string, n = 1): ProbeObservation => ({ url: U, probe, blockedFails: n, worked: 0, slow: null });
const ok = (probe: string): ProbeObservation => ({ url: U, probe, blockedFails: 0, worked: 1, slow: null });

function play(steps: ProbeObservation[][], maxGap = 3): Carry[] {
  let carry = NO_CARRY;
  return steps.map((seen, i) => (carry = advanceRuns(carry, i * W, W, seen, maxGap)));
}

describe("requiredRun", () => {
  const cfg = config();
  it("is blockAfter for a target that never fails, longer for a noisy one, capped at blockAfterMax", () => {
    expect(requiredRun({ ratio: 1, throughput: null, tlsHandshake: null, failRate: 0.5 / 2001 }, cfg)).toBe(2);
    expect(requiredRun({ ratio: 1, throughput: null, tlsHandshake: null, failRate: 0.5 / 37 }, cfg)).toBe(3); // 3 h of history
    expect(requiredRun({ ratio: 1, throughput: null, tlsHandshake: null, failRate: 0.02 }, cfg)).toBe(3);
    expect(requiredRun({ ratio: 0.9, throughput: null, tlsHandshake: null, failRate: 0.1 }, cfg)).toBe(4); // 1e-5 needs 5: capped
    expect(requiredRun({ ratio: 1, throughput: null, tlsHandshake: null }, cfg)).toBe(2); // a baseline from before failRate
  });

  it("shares blockFalseRate among the network's judged targets: 150 chances per window need longer runs", () => {
    const t = (failRate: number) => ({ ratio: 1, throughput: null, tlsHandshake: null, failRate });
    expect(requiredRun(t(0.5 / 2017), cfg, 150)).toBe(2); // a week of one probe, never failed
    expect(requiredRun(t(0.5 / 289), cfg, 1)).toBe(2); // a day of one probe, alone
    expect(requiredRun(t(0.5 / 289), cfg, 150)).toBe(3); // the same day among 150 targets
    expect(requiredRun(t(0.02), cfg, 150)).toBe(4); // 2 % noise: capped at blockAfterMax
  });

  it("a target known only by the prior needs the longest run", () => {
    expect(requiredRun(PRIOR_TARGET, cfg)).toBe(cfg.blockAfterMax);
  });
});

describe("advanceRuns", () => {
  it("counts consecutive failures of one probe across windows; a success ends the run", () => {
    const c = play([[fail("p1")], [fail("p1")], [fail("p1")], [ok("p1")]]);
    expect(runOf(c[2]!, U)).toMatchObject({ fails: 3, failSince: 0, probes: ["p1"] });
    expect(runOf(c[3]!, U).fails).toBe(0);
  });

  it("a window in which the probe did not measure the target (a spilled round) neither extends nor breaks the run", () => {
    const c = play([[fail("p1")], [], [fail("p1")]]);
    expect(runOf(c[2]!, U)).toMatchObject({ fails: 2, failSince: 0 });
  });

  it("a run whose probe stopped measuring the target for more than maxGapWindows is dropped", () => {
    const c = play([[fail("p1")], [], [], [], [], [fail("p1")]], 3);
    expect(runOf(c[5]!, U)).toMatchObject({ fails: 1, failSince: 5 * W });
  });

  it("sums the runs of the network's probes", () => {
    const c = play([[fail("p1"), fail("p2")], [fail("p1"), ok("p2")], [fail("p1"), fail("p2")]]);
    expect(runOf(c[2]!, U)).toMatchObject({ fails: 4, failSince: 0, probes: ["p1", "p2"] });
  });

  it("a window where the target was down (no blocking verdict) or partly worked is not a failure run", () => {
    const c = play([[fail("p1")], [{ url: U, probe: "p1", blockedFails: 0, worked: 0, slow: null }]]);
    expect(runOf(c[1]!, U).fails).toBe(0);
  });

  it("counts slow measurements apart from failures", () => {
    const slow = (s: boolean | null): ProbeObservation => ({ url: U, probe: "p1", blockedFails: 0, worked: 1, slow: s });
    const c = play([[slow(true)], [slow(null)], [slow(true)], [slow(false)]]);
    expect(runOf(c[2]!, U)).toMatchObject({ slow: 2, slowSince: 0, fails: 0 });
    expect(runOf(c[3]!, U).slow).toBe(0);
  });
});
