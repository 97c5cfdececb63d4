// Per-target minute stats read from live rows on PostgreSQL (src/store/postgres/target-minutes.ts) through the real
// retention task, as a careless operator and late uploads would stress them: minute rows kept longer than raw rows
// (targetMinuteDays > rawDays) answer the same across the partition drop and the split boundary minute, and a
// measurement arriving older than raw retention (its day's partition dropped) is counted once at every grain,
// before and after the next run drops it again. SQLite, which keeps its own minute rollups, answers alike.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RetentionTask } from "../../src/collector/retention.js";
import type { Measurement } from "../../src/measurement.js";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { Store, TargetStatsQuery } from "../../src/store/store.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { adminQuery, freshDatabase } from "../helpers/postgres.js";
import { HOUR, expectRowsClose, rounds } from "./contract-stats.js";

const DAY = 24 * HOUR;
const D1 = Date.parse("2025-03-01T00:00:00Z");
/** Retention runs at day 3, 13:00:20: raw cutoff day 2 13:00:20 (inside a minute), minute horizon day 1 12:00:20. */
const NOW = D1 + 2 * DAY + 13 * HOUR + 20_000;
const RAW_CUTOFF = NOW - DAY;
const MINUTE_HORIZON = NOW - 2 * DAY - HOUR;

/** A second measurement of one key 40 s into a minute that already has one (at +0..9 s). */
const second = (minute: number, o: Partial<Parameters<typeof fixtureMeasurement>[0]> = {}): Measurement => fixtureMeasurement({
  region: "KZ-47", probeId: "KZ-47-p0", network: "kt-fixed", url: "https://t0.test/", list: "whitelisted",
  startedAt: new Date(minute + 40_000).toISOString(), accessible: false, blocking: "tls", bytesPerSecond: 7777, handshakeTime: 0.123, ...o,
});

const range = { since: new Date(D1), until: new Date(D1 + 3 * DAY) };
const QUERIES: TargetStatsQuery[] = [60, 300, 3600].flatMap((bucketSeconds) =>
  [undefined, "KZ-47"].map((region) => ({ ...range, bucketSeconds, ...(region ? { region } : {}) })));

async function answers(store: Store) {
  const out = [];
  for (const q of QUERIES) out.push({ q, target: await store.targetStats(q), network: await store.networkStats(q) });
  return out;
}

async function expectSameAnswers(a: Store, b: Store): Promise<void> {
  for (const q of QUERIES) {
    expectRowsClose(await a.targetStats(q), await b.targetStats(q));
    expectRowsClose(await a.networkStats(q), await b.networkStats(q));
  }
}

/** One key's per-target minute rows in a minute. */
async function keyMinute(store: Store, minute: number) {
  const rows = await store.targetStats({ since: new Date(minute), until: new Date(minute + 60_000), bucketSeconds: 60, region: "KZ-47" });
  return rows.filter((r) => r.probeId === "KZ-47-p0" && r.url === "https://t0.test/").map((r) => r.total);
}

describe("PostgreSQL per-target minutes from live rows, through retention", () => {
  let dir: string;
  let pg: PostgresStore;
  let url: string;
  let sqlite: SqliteStore;
  const retention = (store: Store, at: number) =>
    new RetentionTask({ store, rawDays: 1, targetMinuteDays: 2, rollupDays: 3, clock: () => new Date(at) }).runOnce();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "kw-minutes-"));
    url = await freshDatabase();
    pg = new PostgresStore(url);
    sqlite = new SqliteStore(join(dir, "reference.sqlite"));
    await pg.migrate();
    await sqlite.migrate();
    // Six hours of rounds on each of three days (three partitions), and a split boundary minute.
    const batch = [...[0, 1, 2].flatMap((d) => rounds(6, D1 + d * DAY + 10 * HOUR)), second(RAW_CUTOFF - 20_000)];
    for (const s of [pg, sqlite]) for (let i = 0; i < batch.length; i += 500) await s.insertMeasurements(batch.slice(i, i + 500));
  });
  afterEach(async () => {
    await pg.close();
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("targetMinuteDays > rawDays: minute answers inside the horizon are the same across the drop, the split minute included", async () => {
    await expectSameAnswers(pg, sqlite);
    const before = await answers(pg);
    expect(await keyMinute(pg, RAW_CUTOFF - 20_000)).toEqual([2]);

    const ran = await retention(pg, NOW);
    const sqliteRan = await retention(sqlite, NOW);
    expect(ran.measurements).toBe(sqliteRan.measurements);
    expect(ran.measurements).toBeGreaterThan(0);
    // SQLite deletes the first morning's minute rows now; on PostgreSQL they went with their raw rows (never stored).
    expect([sqliteRan.targetMinuteRollups, ran.targetMinuteRollups]).toEqual([2 * 12 * 12, 0]);
    // Then the second day's partition, closed since 06:00 of the third, has its two indexes rebuilt full (SQLite: no such step);
    // every answer below, compared with SQLite's, is read through them.
    expect([sqliteRan.compaction, ran.compaction]).toEqual([undefined, { busy: false, compacted: 2, cleaned: 0 }]);
    // The first day's partition is gone, the second lost its morning; the removed rows' minutes are stored.
    expect(await adminQuery(url, "SELECT MIN(started_ms)::int8 AS ms FROM measurements")).toEqual([{ ms: String(RAW_CUTOFF + 20_000) }]);
    expect((await adminQuery<{ n: number }>(url, "SELECT COUNT(*)::int AS n FROM rollups_minute"))[0]!.n).toBeGreaterThan(0);

    const after = await answers(pg);
    const horizonMinute = Math.floor(MINUTE_HORIZON / 60_000) * 60_000;
    for (const [i, { q, target, network }] of after.entries()) {
      // Minute grain: every bucket from the horizon's minute on exactly as before, none before it; the rest unchanged.
      const kept = q.bucketSeconds % 3600 !== 0 ? before[i]!.target.filter((r) => Date.parse(r.bucketStart) >= horizonMinute) : before[i]!.target;
      expect(kept.length).toBeGreaterThan(0);
      expectRowsClose(target, kept);
      expectRowsClose(network, before[i]!.network);
    }
    // The split minute: its removed row from rollups_minute, its live row from itself, once each.
    expect(await keyMinute(pg, RAW_CUTOFF - 20_000)).toEqual([2]);
    await expectSameAnswers(pg, sqlite);
    // A second run finds nothing more to take.
    expect(await retention(pg, NOW)).toEqual({ measurements: 0, targetMinuteRollups: 0, rollups: 0,
      compaction: { busy: false, compacted: 0, cleaned: 0 } });
    await expectSameAnswers(pg, sqlite);
  }, 120_000);

  it("a measurement arriving older than raw retention is stored and counted once, also after the next run removes it again", async () => {
    await retention(pg, NOW);
    await retention(sqlite, NOW);
    // First deliveries, late: into the trimmed second day, into the dropped first day inside the minute horizon,
    // and into the dropped first day before the minute horizon (no per-target minute stat anywhere by then).
    const inTrimmed = second(D1 + DAY + 11 * HOUR);
    const inDropped = second(D1 + 13 * HOUR + 5 * 60_000);
    const pastMinutes = second(D1 + 10 * HOUR + 5 * 60_000);
    const lateOnes = [inTrimmed, inDropped, pastMinutes];
    expect(await pg.insertMeasurements(lateOnes)).toEqual({ inserted: 3, duplicates: 0 });
    expect(await sqlite.insertMeasurements(lateOnes)).toEqual({ inserted: 3, duplicates: 0 });
    expect(await keyMinute(pg, D1 + DAY + 11 * HOUR)).toEqual([2]);
    expect(await keyMinute(pg, D1 + 13 * HOUR + 5 * 60_000)).toEqual([2]);
    // The next run (an hour later): the late rows are removed again, their minutes kept inside the horizon.
    await retention(pg, NOW + HOUR);
    await retention(sqlite, NOW + HOUR);
    expect(await pg.getMeasurement(inDropped.id)).toBeNull();
    expect(await keyMinute(pg, D1 + DAY + 11 * HOUR)).toEqual([2]);
    expect(await keyMinute(pg, D1 + 13 * HOUR + 5 * 60_000)).toEqual([2]);
    expect(await keyMinute(pg, D1 + 10 * HOUR + 5 * 60_000)).toEqual([]);
    await expectSameAnswers(pg, sqlite);
    // The hour rollups count each late one once.
    const hour = await pg.targetStats({ since: new Date(D1 + 10 * HOUR), until: new Date(D1 + 11 * HOUR), bucketSeconds: 3600, region: "KZ-47" });
    expect(hour.find((r) => r.probeId === "KZ-47-p0" && r.url === "https://t0.test/")!.total).toBe(12 + 1);
  }, 120_000);
});
