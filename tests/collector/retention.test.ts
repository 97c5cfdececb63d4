import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RetentionTask } from "../../src/collector/retention.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "kw-retention-"));
  store = new SqliteStore(join(dir, "db.sqlite"));
  await store.migrate();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const DAY = 24 * 3600 * 1000;
const now = new Date("2025-06-01T00:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * DAY).toISOString();

describe("RetentionTask", () => {
  it("prunes raw rows after rawDays and rollups after rollupDays", async () => {
    await store.insertMeasurements([
      fixtureMeasurement({ startedAt: daysAgo(1) }),
      fixtureMeasurement({ startedAt: daysAgo(40) }),
      fixtureMeasurement({ startedAt: daysAgo(800) }),
    ]);
    const task = new RetentionTask({ store, rawDays: 30, rollupDays: 730, clock: () => now });
    expect(await task.runOnce()).toEqual({ measurements: 2, rollups: 1 });
    expect((await store.measurementFacts({})).map((f) => f.startedAt)).toEqual([daysAgo(1)]);
    const rollups = await store.targetStats({ since: new Date(0), until: now, bucketSeconds: 60 });
    expect(rollups.map((r) => r.lastAt)).toEqual([daysAgo(40), daysAgo(1)]);
    expect(await task.runOnce()).toEqual({ measurements: 0, rollups: 0 });
  });

  it("start() runs at once and stop() waits for that run", async () => {
    await store.insertMeasurements([fixtureMeasurement({ startedAt: daysAgo(40) })]);
    const task = new RetentionTask({ store, rawDays: 30, rollupDays: 730, clock: () => now, intervalMs: 3600_000 });
    task.start();
    await task.stop();
    expect((await store.measurementFacts({})).length).toBe(0);
  });

  it("rejects non-positive retention", () => {
    expect(() => new RetentionTask({ store, rawDays: 0, rollupDays: 730 })).toThrow(RangeError);
  });
});
