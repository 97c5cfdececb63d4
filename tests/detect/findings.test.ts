// The figures an incident publishes (evidence.figures) are means over its bad windows: they must read as the
// numbers they are — a usual success of 100%, not 1.0000000000000004; 8 targets judged, not 8.000000000000004.
import { describe, expect, it } from "vitest";
import { meanFigures } from "../../src/detect/findings.js";

describe("meanFigures", () => {
  it("gives exact means for the 41 windows of a demo whitelist regime, no float noise", () => {
    const windows = Array.from({ length: 41 }, () => ({ whitelistedUsual: 1, judgedTargets: 8, nonWhitelistedObserved: 0, controlCoverage: 1 }));
    expect(meanFigures(windows)).toEqual({ whitelistedUsual: 1, judgedTargets: 8, nonWhitelistedObserved: 0, controlCoverage: 1 });
    const thirds = Array.from({ length: 7 }, (_, i) => ({ whitelistedObserved: [0.1, 0.2, 0.3][i % 3]! }));
    const mean = meanFigures(thirds).whitelistedObserved!;
    expect(mean).toBe(Math.round(mean * 1e6) / 1e6);
    expect(mean).toBeCloseTo((0.1 * 3 + 0.2 * 2 + 0.3 * 2) / 7, 6);
  });

  it("averages a figure over the windows that have it, not over every window", () => {
    // Throughput measured in 2 of 4 windows, at a quarter and a half of usual: the ratio is 0.375, not 0.1875.
    const windows: Record<string, number>[] = [{ throughputRatio: 0.25, judgedTargets: 4 }, { judgedTargets: 4 }, { throughputRatio: 0.5, judgedTargets: 4 }, { judgedTargets: 4 }];
    expect(meanFigures(windows)).toEqual({ throughputRatio: 0.375, judgedTargets: 4 });
  });
});
