import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import BetterSqlite3 from "better-sqlite3";
import type { Measurement } from "../../src/measurement.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { NameTable } from "../../src/store/sqlite-names.js";
import { statsSource } from "../../src/store/stats-rows.js";
import { TargetStatsReader } from "../../src/store/sqlite-target-stats.js";
import type { TargetStatsRow } from "../../src/store/store.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";

let dir: string;
let store: SqliteStore;
let raw: BetterSqlite3.Database;
let reader: TargetStatsReader;
const dbPath = () => join(dir, "keepwatch.sqlite");

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "kw-stats-"));
  store = new SqliteStore(dbPath());
  await store.migrate();
  // A second connection to the same file reads each source directly, bypassing the store's choice.
  raw = new BetterSqlite3(dbPath(), { readonly: true });
  reader = new TargetStatsReader(raw, new NameTable(raw));
});

afterEach(async () => {
  raw.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const BASE = Date.parse("2025-01-05T10:00:00Z");

/** A deterministic mix of outcomes over three regions, four probes (one control), four targets and ~25 minutes. */
function mixedBatch(n: number): Measurement[] {
  const out: Measurement[] = [];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const blockings = [null, "dns", "tcp", "tls", "http-failure", "http-diff"] as const;
  for (let i = 0; i < n; i++) {
    const probe = i % 4;
    const target = Math.floor(next() * 4);
    // 0-4 accessible, 5-10 each blocking layer and "down" (null), 11 down again.
    const outcome = Math.floor(next() * 12);
    const accessible = outcome < 5;
    const m = fixtureMeasurement({
      startedAt: new Date(BASE + Math.floor(next() * 25 * 60_000)).toISOString(),
      probeId: `probe-${probe}`,
      region: probe === 3 ? "CONTROL" : probe === 2 ? "KZ-47" : "KZ-75",
      network: probe === 1 ? "kcell-mobile" : "kt-fixed",
      role: probe === 3 ? "control" : "region",
      url: `https://t${target}.test/`,
      list: target < 2 ? "whitelisted" : "non_whitelisted",
      category: target < 2 ? "gov" : "news",
      accessible,
      blocking: accessible ? null : blockings[outcome - 5] ?? null,
      handshakeTime: 0.01 + Math.round(next() * 100) / 1000,
      bytesPerSecond: i % 4 === 0 ? 1000 + Math.round(next() * 5000) : null,
    });
    if (i % 7 === 0) m.check.dns[0]!.failure = "dns_nxdomain";
    if (i % 11 === 0) m.check.tls = [];
    out.push(m);
  }
  return out;
}

/** Rows keyed for comparison; float sums compared with a tolerance since the two paths add in other orders. */
function expectSameRows(a: TargetStatsRow[], b: TargetStatsRow[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((row, i) => {
    const other = b[i]!;
    const { throughputSum, tlsHandshakeSum, ...rest } = row;
    const { throughputSum: t2, tlsHandshakeSum: h2, ...rest2 } = other;
    expect(rest).toEqual(rest2);
    expect(throughputSum).toBeCloseTo(t2, 6);
    expect(tlsHandshakeSum).toBeCloseTo(h2, 9);
  });
}

describe("statsSource", () => {
  it("picks hour rollups, minute rollups or raw rows by bucket width, and refuses non-widths", () => {
    expect(statsSource(3600)).toBe("rollups_hour");
    expect(statsSource(86400)).toBe("rollups_hour");
    expect(statsSource(60)).toBe("rollups_minute");
    expect(statsSource(900)).toBe("rollups_minute");
    expect(statsSource(5)).toBe("measurements");
    expect(statsSource(90)).toBe("measurements");
    for (const bad of [0, -60, 2.5, Number.NaN]) expect(() => statsSource(bad)).toThrow(RangeError);
  });
});

describe("sub-minute buckets from raw measurements", () => {
  it("agree with the minute rollups when both compute 60 s and 300 s buckets", async () => {
    const batch = mixedBatch(3000);
    await store.insertMeasurements(batch);
    await store.insertMeasurements(batch.slice(0, 500)); // redelivery must change neither path
    const q = { since: new Date(BASE), until: new Date(BASE + 30 * 60_000) };
    for (const bucketSeconds of [60, 300]) {
      const fromRollups = reader.read({ ...q, bucketSeconds }, "rollups_minute");
      const fromRaw = reader.read({ ...q, bucketSeconds }, "measurements");
      expect(fromRollups.length).toBeGreaterThan(50);
      expectSameRows(fromRaw, fromRollups);
      expect(fromRaw.reduce((n, r) => n + r.total, 0)).toBe(3000);
      const kz47 = reader.read({ ...q, bucketSeconds, region: "KZ-47" }, "measurements");
      expectSameRows(kz47, reader.read({ ...q, bucketSeconds, region: "KZ-47" }, "rollups_minute"));
      expect(kz47.every((r) => r.region === "KZ-47")).toBe(true);
    }
    // Every outcome column was exercised, so the comparison above covered them all.
    const all = reader.read({ ...q, bucketSeconds: 1800 }, "measurements");
    const sum = (f: (r: TargetStatsRow) => number) => all.reduce((n, r) => n + f(r), 0);
    expect(sum((r) => r.down)).toBeGreaterThan(0);
    expect(sum((r) => r.dnsFailures)).toBeGreaterThan(0);
    for (const k of ["dns", "tcp", "tls", "http-failure", "http-diff"]) expect(sum((r) => r.blocked[k] ?? 0)).toBeGreaterThan(0);
    expect(sum((r) => r.tlsHandshakeCount)).toBeLessThan(3000);
    expect(sum((r) => r.throughputCount)).toBe(750);
    expect(sum((r) => r.total)).toBe(3000);
    expect(new Set(all.map((r) => r.role))).toEqual(new Set(["region", "control"]));
  });

  it("sums 10 s buckets to the minute rows, and the store serves them", async () => {
    await store.insertMeasurements(mixedBatch(2000));
    const q = { since: new Date(BASE), until: new Date(BASE + 30 * 60_000) };
    const tens = await store.targetStats({ ...q, bucketSeconds: 10 });
    expect(tens.every((r) => Date.parse(r.bucketStart) % 10_000 === 0)).toBe(true);
    const folded = new Map<string, number>();
    for (const r of tens) {
      const minute = new Date(Math.floor(Date.parse(r.bucketStart) / 60_000) * 60_000).toISOString();
      const key = [minute, r.region, r.network, r.probeId, r.list, r.url].join("|");
      folded.set(key, (folded.get(key) ?? 0) + r.total);
    }
    const minutes = await store.targetStats({ ...q, bucketSeconds: 60 });
    expect(folded).toEqual(new Map(minutes.map((r) => [[r.bucketStart, r.region, r.network, r.probeId, r.list, r.url].join("|"), r.total])));
  });

  it("reach back only as far as raw retention, while the rollups keep the older minutes", async () => {
    await store.insertMeasurements(Array.from({ length: 20 }, (_, i) =>
      fixtureMeasurement({ startedAt: new Date(BASE + i * 30_000).toISOString() })));
    await store.pruneMeasurements(new Date(BASE + 5 * 60_000));
    const q = { since: new Date(BASE), until: new Date(BASE + 10 * 60_000) };
    const fine = await store.targetStats({ ...q, bucketSeconds: 30 });
    expect(fine.reduce((n, r) => n + r.total, 0)).toBe(10);
    expect(fine[0]!.bucketStart).toBe(new Date(BASE + 5 * 60_000).toISOString());
    expect((await store.targetStats({ ...q, bucketSeconds: 60 })).reduce((n, r) => n + r.total, 0)).toBe(20);
  });

});
