// The detector's pure core for one pass in one go, for tests and benches: windows → per-window verdicts
// (each carrying the runs of bad measurements to the next) → findings. The Detector itself uses
// IncrementalEvaluator (src/detect/incremental.ts), which must give the same findings while classifying
// only the windows whose data changed; tests/detect/incremental.test.ts holds it to that.
import { classifyWindow, type WindowVerdict } from "../../src/detect/classify.js";
import { findingsOf, type NetworkSeries } from "../../src/detect/findings.js";
import { NO_CARRY, type Carry } from "../../src/detect/runs.js";
import type { EvaluateInput, EvaluateResult } from "../../src/detect/types.js";
import { controlNear } from "../../src/detect/window.js";

export type { EvaluateInput, EvaluateResult, Finding, ProbeSeen, WindowRef } from "../../src/detect/types.js";

export function evaluate(input: EvaluateInput & { controlBaseline?: import("../../src/detect/baseline.js").ControlBaseline }): EvaluateResult {
  const { index, config, from, now } = input;
  const networks = new Map<string, NetworkSeries>();
  for (const [key, windows] of index.networks) {
    const first = windows[0];
    if (!first) continue;
    const baseline = input.baselines.get(key);
    const verdicts: WindowVerdict[] = [];
    let carry: Carry = NO_CARRY;
    for (const w of windows) {
      if (w.start < from || w.start >= now) continue;
      const out = classifyWindow(w, {
        baseline, control: controlNear(index.control, w.start, index.windowMs), controlBaseline: input.controlBaseline, carry,
      }, config);
      carry = out.carry;
      verdicts.push(out.verdict);
    }
    networks.set(key, { region: first.region, network: first.network, verdicts });
  }
  return findingsOf({ networks, activity: index, seeds: input.seeds, regions: input.regions, seen: input.seen, from, now, config });
}
