import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import BetterSqlite3 from "better-sqlite3";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/store.js";
import { storeContract, type StoreFactory } from "./contract.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";

/** Each open() is a new file in a temp dir; reopen() is a second connection to the newest file. */
function sqliteFactory(): StoreFactory {
  let dirs: string[] = [];
  let stores: Store[] = [];
  let last = "";
  return {
    async open(opts = {}) {
      const dir = mkdtempSync(join(tmpdir(), "kw-store-"));
      dirs.push(dir);
      last = join(dir, "keepwatch.sqlite");
      const s = new SqliteStore(last, { streamPageSize: opts.streamPageSize, pruneChunkSize: 40 });
      stores.push(s);
      await s.migrate();
      return s;
    },
    async reopen() {
      const s = new SqliteStore(last, { pruneChunkSize: 40 });
      stores.push(s);
      await s.migrate();
      return s;
    },
    async cleanup() {
      for (const s of stores) await s.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      dirs = [];
      stores = [];
    },
  };
}

storeContract("SqliteStore", sqliteFactory());

describe("SqliteStore file layout", () => {
  let dir: string;
  const dbPath = () => join(dir, "keepwatch.sqlite");
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "kw-store-"));
    const s = new SqliteStore(dbPath());
    await s.migrate();
    await s.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("uses WAL on a real file", () => {
    const raw = new BetterSqlite3(dbPath(), { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });

  it("creates new files with 8 KiB pages and keeps an existing file's page size", async () => {
    const raw = new BetterSqlite3(dbPath(), { readonly: true });
    expect(raw.pragma("page_size", { simple: true })).toBe(8192);
    raw.close();
    const other = join(dir, "old.sqlite");
    const old = new BetterSqlite3(other);
    old.exec("CREATE TABLE t (x)");
    old.close();
    const s = new SqliteStore(other);
    await s.migrate();
    await s.close();
    const check = new BetterSqlite3(other, { readonly: true });
    expect(check.pragma("page_size", { simple: true })).toBe(4096);
    check.close();
  });
});

// Schema 6 keeps start and receive times as numbers beside the codec's row; the exact ISO text a probe sent
// must still come back, and ids are stored as given.
describe("SqliteStore compact rows (schema 6)", () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "kw-store-"));
    store = new SqliteStore(join(dir, "keepwatch.sqlite"), { streamPageSize: 50 });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps odd ids and times exactly: upper-case and non-UUID-looking ids, starts and receive times in any ISO form", async () => {
    const lower = fixtureMeasurement({ id: "0f0e0d0c-0b0a-4908-8706-050403020100", startedAt: "2025-01-05T10:00:00Z" });
    // Upper-case: a different id (ids are compared as given), stored as its text, never merged with the lower-case one.
    const upper = fixtureMeasurement({ id: "0F0E0D0C-0B0A-4908-8706-050403020100", startedAt: "2025-01-05T10:00:00.123456Z" });
    const received = { ...fixtureMeasurement({ startedAt: "2025-01-05T10:00:01.5Z" }), receivedAt: "2025-01-05T09:59:59.000Z" };
    const oddReceived = { ...fixtureMeasurement({ startedAt: "2025-01-05T10:00:02.000Z" }), receivedAt: "2025-01-05T10:00:03Z" };
    const batch = [lower, upper, received, oddReceived];
    expect(await store.insertMeasurements(batch)).toEqual({ inserted: 4, duplicates: 0 });
    expect(await store.insertMeasurements([upper, lower])).toEqual({ inserted: 0, duplicates: 2 });
    for (const m of batch) expect(JSON.stringify(await store.getMeasurement(m.id))).toBe(JSON.stringify(m));
    expect(await store.getMeasurement(lower.id.toUpperCase().replace("0F0E", "0F0F"))).toBeNull();
    const facts = await store.measurementFacts({});
    expect(facts.map((f) => [f.id, f.startedAt, f.receivedAt])).toEqual([
      [lower.id, "2025-01-05T10:00:00Z", null],
      [upper.id, "2025-01-05T10:00:00.123456Z", null],
      [received.id, "2025-01-05T10:00:01.5Z", "2025-01-05T09:59:59.000Z"],
      [oddReceived.id, "2025-01-05T10:00:02.000Z", "2025-01-05T10:00:03Z"],
    ]);
    const streamed: string[] = [];
    for await (const m of store.streamMeasurements({})) streamed.push(JSON.stringify(m));
    expect(streamed).toEqual(batch.map((m) => JSON.stringify(m)));
  });
});
