import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import BetterSqlite3 from "better-sqlite3";
import { SqliteStore } from "../../src/store/sqlite.js";
import { NameTable } from "../../src/store/sqlite-names.js";
import { TargetStatsReader } from "../../src/store/sqlite-target-stats.js";
import { BASE, HOUR, expectRowsClose, rounds } from "./contract-stats.js";

let dir: string;
let store: SqliteStore;
let raw: BetterSqlite3.Database;
let reader: TargetStatsReader;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "kw-rollups-"));
  store = new SqliteStore(join(dir, "keepwatch.sqlite"), { pruneChunkSize: 7 });
  await store.migrate();
  raw = new BetterSqlite3(join(dir, "keepwatch.sqlite"), { readonly: true });
  reader = new TargetStatsReader(raw, new NameTable(raw));
});

afterEach(async () => {
  raw.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("hour rollups", () => {
  it("equal the minute rollups and the raw rows re-bucketed to hours, across batches and redeliveries", async () => {
    const all = rounds(5, BASE + 20 * 60_000); // starts mid-hour so partial hours are covered
    // Several batches that split hours, then a redelivery overlapping two of them.
    for (let i = 0; i < all.length; i += 97) await store.insertMeasurements(all.slice(i, i + 97));
    expect(await store.insertMeasurements(all.slice(50, 300))).toEqual({ inserted: 0, duplicates: 250 });
    const q = { since: new Date(BASE), until: new Date(BASE + 6 * HOUR) };
    for (const bucketSeconds of [3600, 7200, 86400]) {
      const hours = reader.read({ ...q, bucketSeconds }, "rollups_hour");
      expectRowsClose(hours, reader.read({ ...q, bucketSeconds }, "rollups_minute"));
      expectRowsClose(hours, reader.read({ ...q, bucketSeconds }, "measurements"));
    }
    const hours = await store.targetStats({ ...q, bucketSeconds: 3600 });
    expect(new Set(hours.map((r) => r.bucketStart)).size).toBe(6);
    expect(hours.reduce((n, r) => n + r.total, 0)).toBe(all.length);
  });

  it("read a region's range through the region-first key, and every region by one seek per region", () => {
    const plan = (sql: string) => (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join("; ");
    // Per-target tables are keyed by name ids (schema 6), network tables by the strings.
    for (const [table, region, everyRegion] of [
      ["rollups_minute", "region_ref", "SELECT id FROM names WHERE name IN (SELECT DISTINCT region FROM last_seen)"],
      ["rollups_hour", "region_ref", "SELECT id FROM names WHERE name IN (SELECT DISTINCT region FROM last_seen)"],
      ["network_rollups_minute", "region", "SELECT DISTINCT region FROM last_seen"],
      ["network_rollups_hour", "region", "SELECT DISTINCT region FROM last_seen"],
    ] as const) {
      expect(plan(`SELECT * FROM ${table} WHERE ${region} = 3 AND bucket >= 0 AND bucket < 10`))
        .toMatch(new RegExp(`SEARCH .* USING PRIMARY KEY \\(${region}=\\? AND bucket>\\? AND bucket<\\?\\)`));
      expect(plan(`SELECT * FROM ${table} WHERE ${region} IN (${everyRegion}) AND bucket >= 0 AND bucket < 10`))
        .toMatch(new RegExp(`SEARCH ${table} USING PRIMARY KEY \\(${region}=\\? AND bucket>\\? AND bucket<\\?\\)`));
    }
  });
});

// networkStats = targetStats summed, and one region vs every region: tests/store/contract-stats.ts (both stores).

describe("pruneRollups", () => {
  it("drops whole old minutes and hours from every rollup table, per region, in chunks", async () => {
    await store.insertMeasurements(rounds(3));
    const cutoff = new Date(BASE + 90 * 60_000); // half way into the second hour
    const count = (t: string) => (raw.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
    const before = count("rollups_minute");
    const deleted = await store.pruneRollups(cutoff);
    expect(deleted).toBe(before - count("rollups_minute"));
    const oldest = (t: string) => (raw.prepare(`SELECT MIN(bucket) AS b FROM ${t}`).get() as { b: number }).b * 1000;
    expect(oldest("rollups_minute")).toBe(cutoff.getTime());
    expect(oldest("network_rollups_minute")).toBe(cutoff.getTime());
    // The hour that contains the cutoff is not whole-older, so it stays.
    expect(oldest("rollups_hour")).toBe(BASE + HOUR);
    expect(oldest("network_rollups_hour")).toBe(BASE + HOUR);
    expect(await store.pruneRollups(cutoff)).toBe(0);
  });
});
