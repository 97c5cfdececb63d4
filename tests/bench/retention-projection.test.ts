import { describe, expect, it } from "vitest";
import { projectRetention, retentionClass } from "../../bench/retention-projection.js";

describe("projectRetention", () => {
  it("puts each table under the setting that prunes it", () => {
    expect(["measurements", "legacy_measurements"].map(retentionClass)).toEqual(["raw", "raw"]);
    expect(["rollups_minute", "legacy_rollups_minute"].map(retentionClass)).toEqual(["targetMinute", "targetMinute"]);
    expect(["rollups_hour", "legacy_rollups_hour", "network_rollups_minute", "network_rollups_hour"].map(retentionClass))
      .toEqual(["rollup", "rollup", "rollup", "rollup"]);
    expect(["names", "last_seen", "probes", "sqlite_schema"].map(retentionClass)).toEqual(["fixed", "fixed", "fixed", "fixed"]);
  });

  it("weighs each class by its days at the code's default retention, and the before with minute rows kept rollupDays", () => {
    const p = projectRetention({ measurements: 400, rollups_minute: 100, rollups_hour: 10, network_rollups_minute: 2, names: 5 });
    expect(p.retention).toEqual({ rawDays: 30, targetMinuteDays: 30, rollupDays: 730 });
    expect(p.bytesPerMeasurement).toEqual({ raw: 400, targetMinute: 100, rollup: 12, fixed: 5 });
    expect(p.bytesPerDailyMeasurement).toBe(400 * 30 + 100 * 30 + 12 * 730);
    expect(p.beforeBytesPerDailyMeasurement).toBe(400 * 30 + 112 * 730);
    expect(p.nationalGB).toBeCloseTo((400 * 30 + 100 * 30 + 12 * 730) * 1.5e6 / 1e9, 1);
    expect(projectRetention({ rollups_minute: 100 }, { rawDays: 30, targetMinuteDays: 7, rollupDays: 730 }).bytesPerDailyMeasurement).toBe(700);
  });
});
