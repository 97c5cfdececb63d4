import { describe, expect, it } from "vitest";
import { checkConfigFile, loadConfig } from "../../src/config/load.js";
import { tempDir } from "./temp-files.js";

const files = tempDir();
const BASE = `
regions:
  - id: KZ-75
networks:
  - { id: vps, name: VPS, kind: unknown }
controls:
  - { id: CONTROL, name: Control }
probes:
  - { id: p1, region: KZ-75, network: vps }
targets: { fromWhitelist: false }
`;
const write = (extra: string) => files.write(`r${Math.random().toString(36).slice(2)}.yaml`, BASE + extra);
const load = (extra: string) => loadConfig(write(extra), { env: {} });
const errors = (extra: string) => checkConfigFile(write(extra), { env: {} }).errors;

describe("retention.targetMinuteDays", () => {
  it("defaults to 30 days (raw's default) beside 730 days of the other rollups", () => {
    expect(load("").retention).toEqual({ rawDays: 30, rollupDays: 730, targetMinuteDays: 30 });
  });

  it("unset with rollupDays shorter than 30 follows rollupDays (an older config stays valid)", () => {
    expect(load("retention: { rollupDays: 10 }\n").retention.targetMinuteDays).toBe(10);
  });

  it("takes a value between the detector's baseline and rollupDays", () => {
    expect(load("retention: { targetMinuteDays: 7 }\n").retention.targetMinuteDays).toBe(7);
    expect(load("retention: { targetMinuteDays: 730 }\n").retention.targetMinuteDays).toBe(730);
    expect(load("retention: { targetMinuteDays: 3 }\ndetector: { baselineHours: 49 }\n").retention.targetMinuteDays).toBe(3);
    expect(load("retention: { targetMinuteDays: 2 }\ndetector: { baselineHours: 1 }\n").retention.targetMinuteDays).toBe(2);
  });

  it("shorter than the detector's baseline is an error naming both settings", () => {
    const [e, ...rest] = errors("retention: { targetMinuteDays: 6 }\n");
    expect(rest).toEqual([]);
    expect(e!.path).toBe("retention.targetMinuteDays");
    expect(e!.message).toContain("detector.baselineHours");
    expect(e!.message).toContain("168 h → 7 days");
    // Rounded up: 49 h needs 3 days of minute rows.
    expect(errors("retention: { targetMinuteDays: 2 }\ndetector: { baselineHours: 49 }\n")[0]!.message).toContain("3 days");
    // Never under 2 days: the detector re-evaluates the last 48 hours from the same rows.
    expect(errors("retention: { targetMinuteDays: 1 }\ndetector: { baselineHours: 1 }\n")[0]!.message).toContain("1 h → 2 days");
    // A longer baseline with the default horizon is refused too, not silently read from pruned rows.
    expect(errors("detector: { baselineHours: 1000 }\n")[0]!.path).toBe("retention.targetMinuteDays");
  });

  it("longer than rollupDays is an error naming both settings", () => {
    const [e] = errors("retention: { targetMinuteDays: 40, rollupDays: 35 }\n");
    expect(e!.path).toBe("retention.targetMinuteDays");
    expect(e!.message).toContain("retention.rollupDays (35)");
  });

  it("a non-number or below one day is a schema error, not a crash", () => {
    expect(errors("retention: { targetMinuteDays: thirty }\n")[0]!.path).toBe("retention.targetMinuteDays");
    expect(errors("retention: { targetMinuteDays: 0 }\n")[0]!.path).toBe("retention.targetMinuteDays");
  });
});
