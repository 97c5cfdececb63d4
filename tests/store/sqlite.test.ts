import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import BetterSqlite3 from "better-sqlite3";
import type { Incident } from "../../src/incident.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";

let dir: string;
let store: SqliteStore;
const dbPath = () => join(dir, "keepwatch.sqlite");

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "kw-store-"));
  store = new SqliteStore(dbPath(), { streamPageSize: 50, pruneChunkSize: 40 });
  await store.migrate();
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const at = (iso: string) => new Date(iso);

describe("SqliteStore measurements", () => {
  it("uses WAL on a real file", () => {
    const raw = new BetterSqlite3(dbPath(), { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });

  it("stores a batch, returns it intact and counts a re-insert as duplicates", async () => {
    const a = fixtureMeasurement({ startedAt: "2025-01-05T10:00:01Z" });
    const b = fixtureMeasurement({ startedAt: "2025-01-05T10:00:02.500Z", accessible: false, blocking: "dns" });
    expect(await store.insertMeasurements([a, b])).toEqual({ inserted: 2, duplicates: 0 });
    expect(await store.insertMeasurements([b, a, b])).toEqual({ inserted: 0, duplicates: 3 });
    expect(await store.getMeasurement(a.id)).toEqual(a);
    expect(await store.getMeasurement(b.id)).toEqual(b);
    expect(await store.getMeasurement("00000000-0000-4000-8000-000000000000")).toBeNull();
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

  it("answers a filter on a name it never stored with nothing, and stores it once it comes", async () => {
    expect(await store.measurementFacts({ region: "KZ-99", probeId: "nobody", network: "none", role: "control" })).toEqual([]);
    expect(await store.targetStats({ since: at("2025-01-05T00:00:00Z"), until: at("2025-01-06T00:00:00Z"), bucketSeconds: 60, region: "KZ-99" })).toEqual([]);
    await store.insertMeasurements([fixtureMeasurement({ region: "KZ-99", startedAt: "2025-01-05T10:00:00Z" })]);
    expect((await store.measurementFacts({ region: "KZ-99" })).length).toBe(1);
  });

  it("counts a duplicate inside one batch once", async () => {
    const a = fixtureMeasurement({ startedAt: "2025-01-05T10:00:01Z" });
    expect(await store.insertMeasurements([a, a])).toEqual({ inserted: 1, duplicates: 1 });
    const stats = await store.targetStats({ since: at("2025-01-05T10:00:00Z"), until: at("2025-01-05T10:01:00Z"), bucketSeconds: 60 });
    expect(stats.map((s) => s.total)).toEqual([1]);
  });

  it("filters and orders facts by time even when ISO fraction digits differ", async () => {
    const ms = [
      fixtureMeasurement({ startedAt: "2025-01-05T10:00:00.900Z", region: "KZ-75" }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:00:00Z", region: "KZ-75", probeId: "p2" }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:00:00.5Z", region: "KZ-47", network: "kcell-mobile" }),
      fixtureMeasurement({ startedAt: "2025-01-05T11:00:00Z", region: "KZ-75", role: "control" }),
    ];
    await store.insertMeasurements(ms);
    const all = await store.measurementFacts({});
    expect(all.map((f) => f.startedAt)).toEqual([
      "2025-01-05T10:00:00Z", "2025-01-05T10:00:00.5Z", "2025-01-05T10:00:00.900Z", "2025-01-05T11:00:00Z",
    ]);
    expect((await store.measurementFacts({ region: "KZ-75" })).length).toBe(3);
    expect((await store.measurementFacts({ network: "kcell-mobile" })).map((f) => f.region)).toEqual(["KZ-47"]);
    expect((await store.measurementFacts({ probeId: "p2" })).length).toBe(1);
    expect((await store.measurementFacts({ role: "control" })).length).toBe(1);
    const window = await store.measurementFacts({ since: at("2025-01-05T10:00:00.500Z"), until: at("2025-01-05T11:00:00Z") });
    expect(window.map((f) => f.startedAt)).toEqual(["2025-01-05T10:00:00.5Z", "2025-01-05T10:00:00.900Z"]);
    const f = window[0]!;
    expect(f).toMatchObject({ region: "KZ-47", network: "kcell-mobile", asn: 9198, networkKind: "fixed",
      accessible: true, blocking: null, dnsFailure: null, tlsHandshakeTime: 0.05, bytesPerSecond: null });
  });

  it("keeps lastSeen and probe records in step with inserts", async () => {
    await store.upsertProbe({ id: "probe-1", region: "KZ-75", network: "kt-fixed", role: "region" });
    await store.insertMeasurements([
      fixtureMeasurement({ startedAt: "2025-01-05T10:00:00Z" }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:07:00Z" }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:03:00Z" }),
      fixtureMeasurement({ startedAt: "2025-01-05T09:00:00Z", probeId: "ctl", role: "control", region: "CONTROL" }),
    ]);
    // An older late arrival must not move last-seen backwards.
    await store.insertMeasurements([fixtureMeasurement({ startedAt: "2025-01-05T08:00:00Z" })]);
    expect(await store.lastSeen()).toEqual([
      { region: "CONTROL", network: "kt-fixed", probeId: "ctl", lastAt: "2025-01-05T09:00:00.000Z" },
      { region: "KZ-75", network: "kt-fixed", probeId: "probe-1", lastAt: "2025-01-05T10:07:00.000Z" },
    ]);
    expect(await store.listProbes()).toEqual([
      { id: "ctl", region: "CONTROL", network: "kt-fixed", role: "control", lastSeenAt: "2025-01-05T09:00:00.000Z", measurements: 1 },
      { id: "probe-1", region: "KZ-75", network: "kt-fixed", role: "region", lastSeenAt: "2025-01-05T10:07:00.000Z", measurements: 4 },
    ]);
    // Re-configuring a probe keeps what its data established.
    await store.upsertProbe({ id: "probe-1", region: "KZ-75", network: "kcell-mobile", role: "region" });
    const p = (await store.listProbes()).find((x) => x.id === "probe-1");
    expect(p).toMatchObject({ network: "kcell-mobile", measurements: 4, lastSeenAt: "2025-01-05T10:07:00.000Z" });
  });
});

describe("SqliteStore rollups", () => {
  it("sums per minute and re-buckets, without double counting redelivered ids", async () => {
    const batch = [
      fixtureMeasurement({ startedAt: "2025-01-05T10:00:05Z", handshakeTime: 0.1, bytesPerSecond: 1000 }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:00:55Z", accessible: false, blocking: "tls", failure: "tls_reset",
        handshakeTime: 0.3 }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:01:10Z", accessible: false, blocking: null, failure: "tcp_timeout" }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:04:59.999Z", bytesPerSecond: 3000 }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:05:00Z", url: "https://other.test/", list: "non_whitelisted" }),
    ];
    await store.insertMeasurements(batch);
    await store.insertMeasurements(batch.slice(0, 3)); // redelivery
    const q = { since: at("2025-01-05T10:00:00Z"), until: at("2025-01-05T10:10:00Z") };
    const minutes = await store.targetStats({ ...q, bucketSeconds: 60 });
    expect(minutes.map((r) => [r.bucketStart, r.url, r.total])).toEqual([
      ["2025-01-05T10:00:00.000Z", "https://example.test/", 2],
      ["2025-01-05T10:01:00.000Z", "https://example.test/", 1],
      ["2025-01-05T10:04:00.000Z", "https://example.test/", 1],
      ["2025-01-05T10:05:00.000Z", "https://other.test/", 1],
    ]);
    const five = await store.targetStats({ ...q, bucketSeconds: 300 });
    expect(five.length).toBe(2);
    expect(five[0]).toEqual({
      bucketStart: "2025-01-05T10:00:00.000Z", region: "KZ-75", network: "kt-fixed", probeId: "probe-1",
      role: "region", url: "https://example.test/", list: "whitelisted", category: "gov",
      total: 4, ok: 2, blocked: { dns: 0, tcp: 0, tls: 1, "http-failure": 0, "http-diff": 0 }, down: 1,
      dnsFailures: 0, throughputSum: 4000, throughputCount: 2,
      tlsHandshakeSum: 0.1 + 0.3 + 0.05 + 0.05, tlsHandshakeCount: 4, lastAt: "2025-01-05T10:04:59.999Z",
    });
    expect(five[1]).toMatchObject({ bucketStart: "2025-01-05T10:05:00.000Z", list: "non_whitelisted", total: 1 });
    // Rollup totals always equal the stored raw rows.
    expect(five.reduce((n, r) => n + r.total, 0)).toBe((await store.measurementFacts({})).length);
    expect(await store.targetStats({ ...q, region: "KZ-47", bucketSeconds: 60 })).toEqual([]);
    await expect(store.targetStats({ ...q, bucketSeconds: 2.5 })).rejects.toThrow(RangeError);
  });
});

describe("SqliteStore streaming", () => {
  it("streams a large range in keyset pages in order", async () => {
    const base = Date.parse("2025-01-01T00:00:00Z");
    const n = 3000;
    for (let i = 0; i < n; i += 500) {
      // Many rows share a timestamp so the id tie-break of the keyset is exercised.
      await store.insertMeasurements(Array.from({ length: 500 }, (_, j) =>
        fixtureMeasurement({ startedAt: new Date(base + Math.floor((i + j) / 7) * 1000).toISOString() })));
    }
    let count = 0;
    let prev = "";
    const ids = new Set<string>();
    for await (const m of store.streamMeasurements({ since: new Date(base) })) {
      const key = `${String(Date.parse(m.startedAt)).padStart(15, "0")}/${m.id}`;
      expect(key > prev).toBe(true);
      prev = key;
      ids.add(m.id);
      count += 1;
    }
    expect(count).toBe(n);
    expect(ids.size).toBe(n);
  });

  it("holds at most one page: rows deleted mid-stream are never yielded", async () => {
    const base = Date.parse("2025-01-01T00:00:00Z");
    await store.insertMeasurements(Array.from({ length: 1000 }, (_, i) =>
      fixtureMeasurement({ startedAt: new Date(base + i * 1000).toISOString() })));
    let seen = 0;
    for await (const _ of store.streamMeasurements({})) {
      seen += 1;
      // After the first row, drop everything: a stream that had loaded the range would still yield it all.
      if (seen === 1) expect(await store.pruneMeasurements(new Date(base + 10_000_000))).toBe(1000);
    }
    expect(seen).toBe(50); // exactly the first page (streamPageSize 50)
  });

  it("filters the stream like measurementFacts", async () => {
    await store.insertMeasurements([
      fixtureMeasurement({ startedAt: "2025-01-01T00:00:00Z", region: "KZ-75" }),
      fixtureMeasurement({ startedAt: "2025-01-01T00:00:01Z", region: "KZ-47" }),
    ]);
    const got: string[] = [];
    for await (const m of store.streamMeasurements({ region: "KZ-47" })) got.push(m.region);
    expect(got).toEqual(["KZ-47"]);
  });
});

describe("SqliteStore retention", () => {
  it("prunes raw rows and rollups separately, in chunks", async () => {
    const base = Date.parse("2025-01-01T00:00:00Z");
    await store.insertMeasurements(Array.from({ length: 200 }, (_, i) =>
      fixtureMeasurement({ startedAt: new Date(base + i * 60_000).toISOString() })));
    const cutoff = new Date(base + 150 * 60_000);
    expect(await store.pruneMeasurements(cutoff)).toBe(150); // > pruneChunkSize (40): several chunks
    expect((await store.measurementFacts({})).length).toBe(50);
    const range = { since: new Date(base), until: new Date(base + 400 * 60_000), bucketSeconds: 60 };
    expect((await store.targetStats(range)).length).toBe(200); // rollups outlive raw rows
    expect(await store.pruneRollups(cutoff)).toBe(150);
    const left = await store.targetStats(range);
    expect(left.length).toBe(50);
    expect(left[0]!.bucketStart).toBe(cutoff.toISOString());
    expect(await store.pruneMeasurements(cutoff)).toBe(0);
  });
});

describe("SqliteStore incidents, tokens, state", () => {
  const incident = (o: Partial<Incident>): Incident => ({
    id: "inc-1", region: "KZ-75", network: "kcell-mobile", kind: "whitelist_only", status: "open",
    startedAt: "2025-01-05T18:02:00Z", lastGoodAt: "2025-01-05T17:57:00Z", endedAt: null,
    targets: ["https://example.test/"], summary: "whitelist only", confidence: "confirmed",
    evidence: { measurementIds: ["a"], counts: { total: 3 }, probes: ["probe-1"], networks: ["kcell-mobile"], figures: { ratio: 0.02 } },
    revisedAt: null, revisions: [], ...o,
  });

  it("round-trips and queries incidents", async () => {
    const open = incident({});
    const closed = incident({ id: "inc-2", kind: "full_shutdown", status: "closed", region: "KZ-47", network: null,
      startedAt: "2025-01-03T00:00:00Z", endedAt: "2025-01-03T05:00:00Z" });
    await store.saveIncident(open);
    await store.saveIncident(closed);
    expect(await store.getIncident("inc-1")).toEqual(open);
    expect(await store.getIncident("nope")).toBeNull();
    expect((await store.listIncidents({})).map((i) => i.id)).toEqual(["inc-1", "inc-2"]);
    expect((await store.listIncidents({ status: "closed" })).map((i) => i.id)).toEqual(["inc-2"]);
    expect((await store.listIncidents({ region: "KZ-75", kind: "whitelist_only" })).map((i) => i.id)).toEqual(["inc-1"]);
    expect((await store.listIncidents({ network: "kcell-mobile" })).map((i) => i.id)).toEqual(["inc-1"]);
    expect((await store.listIncidents({ since: at("2025-01-04T00:00:00Z") })).map((i) => i.id)).toEqual(["inc-1"]);
    expect((await store.listIncidents({ until: at("2025-01-04T00:00:00Z") })).map((i) => i.id)).toEqual(["inc-2"]);
    expect((await store.listIncidents({ limit: 1, offset: 1 })).map((i) => i.id)).toEqual(["inc-2"]);
    // Saving again updates in place (the detector closes and revises incidents).
    const ended = incident({ status: "closed", endedAt: "2025-01-05T23:40:00Z", revisedAt: "2025-01-06T00:00:00Z",
      revisions: [{ at: "2025-01-06T00:00:00Z", field: "endedAt", from: null, to: "2025-01-05T23:40:00Z", reason: "late data" }] });
    await store.saveIncident(ended);
    expect(await store.getIncident("inc-1")).toEqual(ended);
    expect((await store.listIncidents({ status: "open" })).length).toBe(0);
  });

  it("stores token hashes only, finds and revokes them", async () => {
    const hash = "a".repeat(64);
    await store.saveProbeToken({ probeId: "probe-1", region: "KZ-75", tokenHash: hash, createdAt: "2025-01-01T00:00:00Z", revokedAt: null });
    await expect(store.saveProbeToken({ probeId: "p", region: "KZ-75", tokenHash: "plain-token", createdAt: "x", revokedAt: null }))
      .rejects.toThrow(/sha256/);
    expect(await store.findProbeToken(hash)).toEqual({ probeId: "probe-1", region: "KZ-75", tokenHash: hash,
      createdAt: "2025-01-01T00:00:00Z", revokedAt: null });
    expect(await store.findProbeToken("b".repeat(64))).toBeNull();
    expect(await store.revokeProbeToken("probe-1", at("2025-02-01T00:00:00Z"))).toBe(1);
    expect(await store.revokeProbeToken("probe-1", at("2025-03-01T00:00:00Z"))).toBe(0);
    expect((await store.findProbeToken(hash))?.revokedAt).toBe("2025-02-01T00:00:00.000Z");
  });

  it("round-trips state and survives reopening the file", async () => {
    expect(await store.getState("detector")).toBeNull();
    await store.setState("detector", "{\"a\":1}");
    await store.setState("detector", "{\"a\":2}");
    await store.close();
    store = new SqliteStore(dbPath());
    await store.migrate();
    expect(await store.getState("detector")).toBe("{\"a\":2}");
  });
});

describe("SqliteStore file layout", () => {
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
