// One window's verdict on its own: the parts of classification a scenario cannot isolate.
import { describe, expect, it } from "vitest";
import { computeBaseline } from "../../src/detect/baseline.js";
import { classifyWindow } from "../../src/detect/classify.js";
import { NO_CARRY } from "../../src/detect/runs.js";
import { controlNear, indexWindows, networkKey } from "../../src/detect/window.js";
import { T0, WINDOW_MS, config, makeTargets, normal, series, type Outcome, type SynthTarget } from "./synthetic.js";

const cfg = config();
const TARGETS = makeTargets(4, 8);
const KEY = networkKey("KZ-75", "kcell");

/** History windows 0-11 normal, then window 12 as `outcome` says; the control as `control` says. */
function judge(
  outcome: (t: SynthTarget) => Outcome | null,
  control: (t: SynthTarget) => Outcome = () => normal(),
  controlMeasures: (t: SynthTarget) => boolean = () => true,
) {
  const history = series({ region: "KZ-75", network: "kcell", probes: ["p1"], targets: TARGETS, from: 0, to: 12, outcome: normal });
  const now = series({
    region: "KZ-75", network: "kcell", probes: ["p1"], targets: TARGETS.filter((t) => outcome(t) !== null), from: 12, to: 13,
    outcome: ({ target }) => outcome(target) ?? normal(),
  });
  const ctl = series({
    region: "CONTROL", network: "vps", role: "control", probes: ["c1"], targets: TARGETS.filter(controlMeasures), from: 0, to: 13,
    outcome: ({ target }) => control(target),
  });
  const baseline = computeBaseline(indexWindows(history, 300).networks.get(KEY)!, [], cfg, T0 + 12 * WINDOW_MS);
  const index = indexWindows([...now, ...ctl], 300);
  const w = index.networks.get(KEY)![0]!;
  return classifyWindow(w, { baseline, control: controlNear(index.control, w.start, WINDOW_MS), controlBaseline: undefined, carry: NO_CARRY }, cfg).verdict;
}

const cut = (t: SynthTarget): Outcome => (t.list === "whitelisted" ? normal() : { ok: false, blocking: "tls" });

describe("classifyWindow", () => {
  it("whitelist-only when the control cannot reach the whitelisted sites the region still reaches", () => {
    const geofenced = (t: SynthTarget): Outcome => (t.list === "whitelisted" ? { ok: false, blocking: null } : normal());
    expect(judge(cut, geofenced)).toMatchObject({ status: "bad", kind: "whitelist_only", targets: ["list:non_whitelisted"] });
  });

  it("no whole-list verdict on a window that holds only part of a round (one list not measured yet)", () => {
    const onlyOthers = (t: SynthTarget): Outcome | null => (t.list === "whitelisted" ? null : { ok: false, blocking: "tcp" });
    const v = judge(onlyOthers);
    expect(v.status === "bad" ? v.kind : v.status).not.toBe("full_shutdown");
    // The whole round failing is one.
    expect(judge(() => ({ ok: false, blocking: "tcp" }))).toMatchObject({ status: "bad", kind: "full_shutdown" });
  });

  it("a throughput download that moved bytes vouches for a site check that failed only on its deadline", () => {
    const slowBody = (): Outcome => ({ ok: false, blocking: "http-failure", throughput: 150_000, tls: 0.05 });
    const v = judge(slowBody);
    expect(v.status === "bad" ? v.kind : v.status).not.toBe("full_shutdown");
    // Without the download's evidence the same failures are a full shutdown.
    expect(judge(() => ({ ok: false, blocking: "http-failure" }))).toMatchObject({ status: "bad", kind: "full_shutdown" });
  });

  it("confirmed needs the control to have measured most affected targets near the window", () => {
    expect(judge(cut)).toMatchObject({ status: "bad", kind: "whitelist_only", controlAvailable: true, controlCoverage: 1 });
    // The control never measures the two news sites: 6 of 8 affected targets covered, below controlCoverage.
    const v = judge(cut, normal, (t) => t.category !== "news");
    expect(v).toMatchObject({ status: "bad", kind: "whitelist_only", controlAvailable: false, controlCoverage: 0.75 });
  });
});
