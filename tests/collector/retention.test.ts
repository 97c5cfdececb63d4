import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RetentionTask } from "../../src/collector/retention.js";
import { readPrunedBefore } from "../../src/store/pruned-state.js";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/store.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { freshDatabase } from "../helpers/postgres.js";

const DAY = 24 * 3600 * 1000;
const now = new Date("2025-06-01T00:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * DAY).toISOString();
const all = { since: new Date(0), until: now };

const backends: [string, () => Promise<{ store: Store; cleanup: () => void }>][] = [
  ["SQLite", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kw-retention-"));
    const store = new SqliteStore(join(dir, "db.sqlite"));
    await store.migrate();
    return { store, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }],
  ["PostgreSQL", async () => {
    const store = new PostgresStore(await freshDatabase("kwret"), { max: 2 });
    await store.migrate();
    return { store, cleanup: () => undefined };
  }],
];

describe.each(backends)("RetentionTask on %s", (name, open) => {
  // PostgreSQL reads per-target minutes from live rows (its migration 6): the minutes of rows removed before the
  // minute horizon go with the rows and are never stored, so no later prune finds them to count.
  const minutesGoneWithRows = (sqliteCount: number) => (name === "PostgreSQL" ? 0 : sqliteCount);
  // PostgreSQL then rebuilds the indexes of day partitions closed 6 h before now (two each); SQLite has no such step.
  const compaction = (compacted: number) => (name === "PostgreSQL" ? { compaction: { busy: false, compacted, cleaned: 0 } } : {});
  let store: Store;
  let cleanup: () => void;
  beforeEach(async () => ({ store, cleanup } = await open()));
  afterEach(async () => {
    await store.close();
    cleanup();
  });

  it("prunes raw rows after rawDays and rollups after rollupDays", async () => {
    await store.insertMeasurements([
      fixtureMeasurement({ startedAt: daysAgo(1) }),
      fixtureMeasurement({ startedAt: daysAgo(40) }),
      fixtureMeasurement({ startedAt: daysAgo(800) }),
    ]);
    const task = new RetentionTask({ store, rawDays: 30, rollupDays: 730, clock: () => now });
    // The day of daysAgo(1) ended at `now`: not closed yet, nothing compacted.
    expect(await task.runOnce()).toEqual({ measurements: 2, targetMinuteRollups: 0, rollups: minutesGoneWithRows(1), ...compaction(0) });
    expect((await store.measurementFacts({})).map((f) => f.startedAt)).toEqual([daysAgo(1)]);
    const rollups = await store.targetStats({ ...all, bucketSeconds: 60 });
    expect(rollups.map((r) => r.lastAt)).toEqual([daysAgo(40), daysAgo(1)]);
    expect(await task.runOnce()).toEqual({ measurements: 0, targetMinuteRollups: 0, rollups: 0, ...compaction(0) });
  });

  it("prunes per-target minute rollups after targetMinuteDays, keeps hour and network rollups, and logs the count", async () => {
    await store.insertMeasurements([
      fixtureMeasurement({ startedAt: daysAgo(1) }),
      fixtureMeasurement({ startedAt: daysAgo(29.9) }),
      fixtureMeasurement({ startedAt: daysAgo(30 + 0.5 / 24) }), // inside the hour's grace: kept
      fixtureMeasurement({ startedAt: daysAgo(30 + 2 / 24) }),
      fixtureMeasurement({ startedAt: daysAgo(40) }),
      fixtureMeasurement({ startedAt: daysAgo(41) }),
      fixtureMeasurement({ startedAt: daysAgo(800) }),
    ]);
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: "info" }, new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } }));
    const task = new RetentionTask({ store, rawDays: 30, rollupDays: 730, targetMinuteDays: 30, clock: () => now, logger });
    const run = { measurements: 5, targetMinuteRollups: minutesGoneWithRows(4), rollups: 0 };
    // The one closed day left (that of daysAgo(29.9)) has its two indexes compacted.
    expect(await task.runOnce()).toEqual({ ...run, ...compaction(2) });
    expect(lines.find((l) => l.msg === "retention: pruned")).toMatchObject(run);
    // Minute rows of the last 30 days (and an hour); hour rows and the network rollups still reach back rollupDays.
    const recent = [daysAgo(30 + 0.5 / 24), daysAgo(29.9), daysAgo(1)];
    expect((await store.targetStats({ ...all, bucketSeconds: 60 })).map((r) => r.lastAt)).toEqual(recent);
    const long = [daysAgo(41), daysAgo(40), daysAgo(30 + 2 / 24), ...recent];
    expect((await store.targetStats({ ...all, bucketSeconds: 3600 })).map((r) => r.lastAt)).toEqual(long);
    expect((await store.networkStats({ ...all, bucketSeconds: 60 })).map((r) => r.lastAt)).toEqual(long);
    expect(await task.runOnce()).toEqual({ measurements: 0, targetMinuteRollups: 0, rollups: 0, ...compaction(0) });
  });

  it("records what it removed, and never moves that edge back when an operator raises a setting", async () => {
    expect(await readPrunedBefore(store)).toBeNull();
    await new RetentionTask({ store, rawDays: 30, rollupDays: 730, targetMinuteDays: 30, clock: () => now }).runOnce();
    const first = { measurements: daysAgo(30), targetMinuteRollups: daysAgo(30 + 1 / 24), rollups: daysAgo(730) };
    expect(await readPrunedBefore(store)).toEqual(first);
    // Raised to 60 days a day later: what went before first.targetMinuteRollups is still gone.
    const dayLater = new Date(now.getTime() + 86_400_000);
    await new RetentionTask({ store, rawDays: 30, rollupDays: 730, targetMinuteDays: 60, clock: () => dayLater }).runOnce();
    expect(await readPrunedBefore(store)).toEqual({ ...first, measurements: daysAgo(29), rollups: daysAgo(729) });
    // No targetMinuteDays: minute rows go with the other rollups.
    await new RetentionTask({ store, rawDays: 30, rollupDays: 30, clock: () => dayLater }).runOnce();
    expect((await readPrunedBefore(store))!.targetMinuteRollups).toBe(daysAgo(29));
  });

  it("keeps a run's pruning when the store's compaction fails, and logs it", async () => {
    await store.insertMeasurements([fixtureMeasurement({ startedAt: daysAgo(40) })]);
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: "info" }, new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } }));
    // A store whose maintenance fails (here: a lock wait over) after pruning went through.
    const failing: Store = Object.assign(Object.create(store) as Store, {
      compactClosed: () => Promise.reject(Object.assign(new Error("canceling statement due to lock timeout"), { code: "55P03" })),
    });
    const task = new RetentionTask({ store: failing, rawDays: 30, rollupDays: 730, clock: () => now, logger });
    expect(await task.runOnce()).toMatchObject({ measurements: 1 });
    expect((await task.runOnce()).compaction).toBeUndefined();
    expect(lines.filter((l) => l.msg === "retention: compaction failed (retried next run)")).toHaveLength(2);
    expect(await readPrunedBefore(store)).toMatchObject({ measurements: daysAgo(30) });
  });

  it("start() runs at once and stop() waits for that run", async () => {
    await store.insertMeasurements([fixtureMeasurement({ startedAt: daysAgo(40) })]);
    const task = new RetentionTask({ store, rawDays: 30, rollupDays: 730, targetMinuteDays: 30, clock: () => now, intervalMs: 3600_000 });
    task.start();
    await task.stop();
    expect((await store.measurementFacts({})).length).toBe(0);
    expect((await store.targetStats({ ...all, bucketSeconds: 60 })).length).toBe(0);
  });

  it("rejects non-positive retention and minute rows kept longer than the rest", () => {
    expect(() => new RetentionTask({ store, rawDays: 0, rollupDays: 730 })).toThrow(RangeError);
    expect(() => new RetentionTask({ store, rawDays: 30, rollupDays: 730, targetMinuteDays: 0 })).toThrow(RangeError);
    expect(() => new RetentionTask({ store, rawDays: 30, rollupDays: 30, targetMinuteDays: 31 })).toThrow(RangeError);
  });
});
