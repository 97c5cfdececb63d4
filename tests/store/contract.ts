// The Store contract: every backend (tests/store/sqlite.test.ts, tests/store/postgres.test.ts) runs these
// same cases against a real database. Backend-specific checks (file layout, query plans, partitions) stay
// in the backend's own test file.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Incident } from "../../src/incident.js";
import type { Store } from "../../src/store/store.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { concurrencyContract } from "./contract-concurrency.js";
import { statsContract } from "./contract-stats.js";

export interface StoreFactory {
  /** A fresh, migrated, empty store for one test. */
  open(opts?: { streamPageSize?: number }): Promise<Store>;
  /** A second store (its own connection or pool) on the same data as the last open(), migrated. */
  reopen(): Promise<Store>;
  /** Closes every store opened for the test and removes its data. */
  cleanup(): Promise<void>;
}

/** The store under test, fresh for each case; reopen() for a second connection. */
export interface ContractContext {
  store: Store;
  factory: StoreFactory;
}

export function storeContract(name: string, factory: StoreFactory): void {
  const ctx = { factory } as ContractContext;
  beforeEach(async () => {
    ctx.store = await factory.open({ streamPageSize: 50 });
  });
  afterEach(async () => {
    await factory.cleanup();
  });
  describe(`${name}: measurements`, () => measurementCases(ctx));
  describe(`${name}: incidents, tokens, enrollment, state`, () => recordCases(ctx));
  describe(`${name}: rollups and stats`, () => statsContract(ctx));
  describe(`${name}: concurrency`, () => concurrencyContract(ctx));
}

const at = (iso: string) => new Date(iso);

function measurementCases(ctx: ContractContext): void {
  it("stores a batch, returns it intact and counts a re-insert as duplicates", async () => {
    const a = fixtureMeasurement({ startedAt: "2025-01-05T10:00:01Z" });
    const b = fixtureMeasurement({ startedAt: "2025-01-05T10:00:02.500Z", accessible: false, blocking: "dns" });
    expect(await ctx.store.insertMeasurements([a, b])).toEqual({ inserted: 2, duplicates: 0 });
    expect(await ctx.store.insertMeasurements([b, a, b])).toEqual({ inserted: 0, duplicates: 3 });
    expect(await ctx.store.getMeasurement(a.id)).toEqual(a);
    expect(await ctx.store.getMeasurement(b.id)).toEqual(b);
    expect(await ctx.store.getMeasurement("00000000-0000-4000-8000-000000000000")).toBeNull();
    expect(await ctx.store.getMeasurement("not-an-id'; DROP TABLE measurements; --")).toBeNull();
    expect(await ctx.store.insertMeasurements([])).toEqual({ inserted: 0, duplicates: 0 });
  });

  it("answers a filter on a name it never stored with nothing, and stores it once it comes", async () => {
    expect(await ctx.store.measurementFacts({ region: "KZ-99", probeId: "nobody", network: "none", role: "control" })).toEqual([]);
    expect(await ctx.store.targetStats({ since: at("2025-01-05T00:00:00Z"), until: at("2025-01-06T00:00:00Z"), bucketSeconds: 60, region: "KZ-99" })).toEqual([]);
    await ctx.store.insertMeasurements([fixtureMeasurement({ region: "KZ-99", startedAt: "2025-01-05T10:00:00Z" })]);
    expect((await ctx.store.measurementFacts({ region: "KZ-99" })).length).toBe(1);
  });

  it("counts a duplicate inside one batch once", async () => {
    const a = fixtureMeasurement({ startedAt: "2025-01-05T10:00:01Z" });
    expect(await ctx.store.insertMeasurements([a, a])).toEqual({ inserted: 1, duplicates: 1 });
    const stats = await ctx.store.targetStats({ since: at("2025-01-05T10:00:00Z"), until: at("2025-01-05T10:01:00Z"), bucketSeconds: 60 });
    expect(stats.map((s) => s.total)).toEqual([1]);
  });

  it("filters and orders facts by time even when ISO fraction digits differ", async () => {
    await ctx.store.insertMeasurements([
      fixtureMeasurement({ startedAt: "2025-01-05T10:00:00.900Z", region: "KZ-75" }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:00:00Z", region: "KZ-75", probeId: "p2" }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:00:00.5Z", region: "KZ-47", network: "kcell-mobile" }),
      fixtureMeasurement({ startedAt: "2025-01-05T11:00:00Z", region: "KZ-75", role: "control" }),
    ]);
    const all = await ctx.store.measurementFacts({});
    expect(all.map((f) => f.startedAt)).toEqual([
      "2025-01-05T10:00:00Z", "2025-01-05T10:00:00.5Z", "2025-01-05T10:00:00.900Z", "2025-01-05T11:00:00Z",
    ]);
    expect((await ctx.store.measurementFacts({ region: "KZ-75" })).length).toBe(3);
    expect((await ctx.store.measurementFacts({ network: "kcell-mobile" })).map((f) => f.region)).toEqual(["KZ-47"]);
    expect((await ctx.store.measurementFacts({ probeId: "p2" })).length).toBe(1);
    expect((await ctx.store.measurementFacts({ role: "control" })).length).toBe(1);
    const window = await ctx.store.measurementFacts({ since: at("2025-01-05T10:00:00.500Z"), until: at("2025-01-05T11:00:00Z") });
    expect(window.map((f) => f.startedAt)).toEqual(["2025-01-05T10:00:00.5Z", "2025-01-05T10:00:00.900Z"]);
    expect(window[0]).toMatchObject({ region: "KZ-47", network: "kcell-mobile", asn: 9198, networkKind: "fixed",
      accessible: true, blocking: null, dnsFailure: null, tlsHandshakeTime: 0.05, bytesPerSecond: null });
  });

  it("keeps lastSeen and probe records in step with inserts", async () => {
    await ctx.store.upsertProbe({ id: "probe-1", region: "KZ-75", network: "kt-fixed", role: "region" });
    await ctx.store.insertMeasurements([
      fixtureMeasurement({ startedAt: "2025-01-05T10:00:00Z" }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:07:00Z" }),
      fixtureMeasurement({ startedAt: "2025-01-05T10:03:00Z" }),
      fixtureMeasurement({ startedAt: "2025-01-05T09:00:00Z", probeId: "ctl", role: "control", region: "CONTROL" }),
    ]);
    // An older late arrival must not move last-seen backwards.
    await ctx.store.insertMeasurements([fixtureMeasurement({ startedAt: "2025-01-05T08:00:00Z" })]);
    expect(await ctx.store.lastSeen()).toEqual([
      { region: "CONTROL", network: "kt-fixed", probeId: "ctl", lastAt: "2025-01-05T09:00:00.000Z" },
      { region: "KZ-75", network: "kt-fixed", probeId: "probe-1", lastAt: "2025-01-05T10:07:00.000Z" },
    ]);
    expect(await ctx.store.lastSeen({ before: at("2025-01-05T10:05:00Z") })).toEqual([
      { region: "CONTROL", network: "kt-fixed", probeId: "ctl", lastAt: "2025-01-05T09:00:00.000Z" },
      { region: "KZ-75", network: "kt-fixed", probeId: "probe-1", lastAt: "2025-01-05T10:03:00.000Z" },
    ]);
    expect(await ctx.store.lastSeen({ before: at("2025-01-05T08:30:00Z") })).toEqual([
      { region: "KZ-75", network: "kt-fixed", probeId: "probe-1", lastAt: "2025-01-05T08:00:00.000Z" },
    ]);
    expect(await ctx.store.listProbes()).toEqual([
      { id: "ctl", region: "CONTROL", network: "kt-fixed", role: "control", lastSeenAt: "2025-01-05T09:00:00.000Z", measurements: 1 },
      { id: "probe-1", region: "KZ-75", network: "kt-fixed", role: "region", lastSeenAt: "2025-01-05T10:07:00.000Z", measurements: 4 },
    ]);
    await ctx.store.upsertProbe({ id: "probe-1", region: "KZ-75", network: "kcell-mobile", role: "region" });
    expect((await ctx.store.listProbes()).find((x) => x.id === "probe-1"))
      .toMatchObject({ network: "kcell-mobile", measurements: 4, lastSeenAt: "2025-01-05T10:07:00.000Z" });
  });

  it("keeps a measurement of the volunteer's own outage but never counts it", async () => {
    const local = { ...fixtureMeasurement({ startedAt: "2025-01-05T10:09:00Z", accessible: false }),
      local: { gateway: "unreachable" as const, resolver: "unknown" as const } };
    const ok = fixtureMeasurement({ startedAt: "2025-01-05T10:01:00Z" });
    expect(await ctx.store.insertMeasurements([ok, local])).toEqual({ inserted: 2, duplicates: 0 });
    expect(await ctx.store.getMeasurement(local.id)).toEqual(local);
    expect((await ctx.store.measurementFacts({})).map((f) => f.id)).toEqual([ok.id]);
    const q = { since: at("2025-01-05T10:00:00Z"), until: at("2025-01-05T10:10:00Z") };
    for (const bucketSeconds of [600, 30]) {
      expect((await ctx.store.targetStats({ ...q, bucketSeconds })).reduce((n, r) => n + r.total, 0)).toBe(1);
    }
    expect((await ctx.store.lastSeen())[0]!.lastAt).toBe("2025-01-05T10:01:00.000Z");
  });

  it("streams a large range in keyset pages in order", async () => {
    const base = Date.parse("2025-01-01T00:00:00Z");
    const n = 3000;
    for (let i = 0; i < n; i += 500) {
      // Many rows share a timestamp so the id tie-break of the keyset is exercised.
      await ctx.store.insertMeasurements(Array.from({ length: 500 }, (_, j) =>
        fixtureMeasurement({ startedAt: new Date(base + Math.floor((i + j) / 7) * 1000).toISOString() })));
    }
    let count = 0;
    let prev = "";
    const ids = new Set<string>();
    for await (const m of ctx.store.streamMeasurements({ since: new Date(base) })) {
      const key = `${String(Date.parse(m.startedAt)).padStart(15, "0")}/${m.id}`;
      expect(key > prev).toBe(true);
      prev = key;
      ids.add(m.id);
      count += 1;
    }
    expect(count).toBe(n);
    expect(ids.size).toBe(n);
  });

  it("holds at most one page while streaming: rows deleted mid-stream are never yielded", async () => {
    const base = Date.parse("2025-01-01T00:00:00Z");
    await ctx.store.insertMeasurements(Array.from({ length: 1000 }, (_, i) =>
      fixtureMeasurement({ startedAt: new Date(base + i * 1000).toISOString() })));
    let seen = 0;
    for await (const _ of ctx.store.streamMeasurements({})) {
      seen += 1;
      if (seen === 1) expect(await ctx.store.pruneMeasurements(new Date(base + 10_000_000))).toBe(1000);
    }
    expect(seen).toBe(50); // exactly the first page (streamPageSize 50)
  });

  it("filters the stream like measurementFacts", async () => {
    await ctx.store.insertMeasurements([
      fixtureMeasurement({ startedAt: "2025-01-01T00:00:00Z", region: "KZ-75" }),
      fixtureMeasurement({ startedAt: "2025-01-01T00:00:01Z", region: "KZ-47" }),
    ]);
    const got: string[] = [];
    for await (const m of ctx.store.streamMeasurements({ region: "KZ-47" })) got.push(m.region);
    expect(got).toEqual(["KZ-47"]);
  });

  it("prunes raw rows and rollups separately, across days, and a late row for a pruned day is stored again", async () => {
    const base = Date.parse("2025-01-01T00:00:00Z");
    // Three days of rows, so a day-partitioned store drops whole days and trims the boundary one.
    await ctx.store.insertMeasurements(Array.from({ length: 200 }, (_, i) =>
      fixtureMeasurement({ startedAt: new Date(base + i * 21 * 60_000).toISOString() })));
    const cutoff = new Date(base + 150 * 21 * 60_000);
    expect(await ctx.store.pruneMeasurements(cutoff)).toBe(150);
    expect((await ctx.store.measurementFacts({})).length).toBe(50);
    const range = { since: new Date(base), until: new Date(base + 400 * 21 * 60_000), bucketSeconds: 60 };
    expect((await ctx.store.targetStats(range)).length).toBe(200); // rollups outlive raw rows
    expect(await ctx.store.pruneRollups(cutoff)).toBe(150);
    const left = await ctx.store.targetStats(range);
    expect(left.length).toBe(50);
    expect(left[0]!.bucketStart).toBe(cutoff.toISOString());
    expect(await ctx.store.pruneMeasurements(cutoff)).toBe(0);
    const late = fixtureMeasurement({ startedAt: new Date(base + 60_000).toISOString() });
    expect(await ctx.store.insertMeasurements([late])).toEqual({ inserted: 1, duplicates: 0 });
    expect(await ctx.store.getMeasurement(late.id)).toEqual(late);
  });
}

const incident = (o: Partial<Incident>): Incident => ({
  id: "inc-1", region: "KZ-75", network: "kcell-mobile", kind: "whitelist_only", status: "open",
  startedAt: "2025-01-05T18:02:00Z", lastGoodAt: "2025-01-05T17:57:00Z", endedAt: null,
  targets: ["https://example.test/"], summary: "whitelist only", confidence: "confirmed",
  evidence: { measurementIds: ["a"], counts: { total: 3 }, probes: ["probe-1"], networks: ["kcell-mobile"], figures: { ratio: 0.02 } },
  revisedAt: null, revisions: [], ...o,
});

function recordCases(ctx: ContractContext): void {
  it("round-trips and queries incidents", async () => {
    const open = incident({});
    const closed = incident({ id: "inc-2", kind: "full_shutdown", status: "closed", region: "KZ-47", network: null,
      startedAt: "2025-01-03T00:00:00Z", endedAt: "2025-01-03T05:00:00Z" });
    await ctx.store.saveIncident(open);
    await ctx.store.saveIncident(closed);
    expect(await ctx.store.getIncident("inc-1")).toEqual(open);
    expect(await ctx.store.getIncident("nope")).toBeNull();
    expect((await ctx.store.listIncidents({})).map((i) => i.id)).toEqual(["inc-1", "inc-2"]);
    expect((await ctx.store.listIncidents({ status: "closed" })).map((i) => i.id)).toEqual(["inc-2"]);
    expect((await ctx.store.listIncidents({ region: "KZ-75", kind: "whitelist_only" })).map((i) => i.id)).toEqual(["inc-1"]);
    expect((await ctx.store.listIncidents({ network: "kcell-mobile" })).map((i) => i.id)).toEqual(["inc-1"]);
    expect((await ctx.store.listIncidents({ since: at("2025-01-04T00:00:00Z") })).map((i) => i.id)).toEqual(["inc-1"]);
    expect((await ctx.store.listIncidents({ until: at("2025-01-04T00:00:00Z") })).map((i) => i.id)).toEqual(["inc-2"]);
    expect((await ctx.store.listIncidents({ limit: 1, offset: 1 })).map((i) => i.id)).toEqual(["inc-2"]);
    const ended = incident({ status: "closed", endedAt: "2025-01-05T23:40:00Z", revisedAt: "2025-01-06T00:00:00Z",
      revisions: [{ at: "2025-01-06T00:00:00Z", field: "endedAt", from: null, to: "2025-01-05T23:40:00Z", reason: "late data" }] });
    await ctx.store.saveIncident(ended);
    expect(await ctx.store.getIncident("inc-1")).toEqual(ended);
    expect((await ctx.store.listIncidents({ status: "open" })).length).toBe(0);
  });

  it("stores token hashes only, finds and revokes them", async () => {
    const hash = "a".repeat(64);
    await ctx.store.saveProbeToken({ probeId: "probe-1", region: "KZ-75", tokenHash: hash, createdAt: "2025-01-01T00:00:00Z", revokedAt: null });
    await expect(ctx.store.saveProbeToken({ probeId: "p", region: "KZ-75", tokenHash: "plain-token", createdAt: "x", revokedAt: null }))
      .rejects.toThrow(/sha256/);
    expect(await ctx.store.findProbeToken(hash)).toEqual({ probeId: "probe-1", region: "KZ-75", tokenHash: hash,
      createdAt: "2025-01-01T00:00:00Z", revokedAt: null });
    expect(await ctx.store.findProbeToken("b".repeat(64))).toBeNull();
    expect(await ctx.store.revokeProbeToken("probe-1", at("2025-02-01T00:00:00Z"))).toBe(1);
    expect(await ctx.store.revokeProbeToken("probe-1", at("2025-03-01T00:00:00Z"))).toBe(0);
    expect((await ctx.store.findProbeToken(hash))?.revokedAt).toBe("2025-02-01T00:00:00.000Z");
  });

  it("redeems an invite once, refuses unknown, used and expired codes, and keeps heartbeats", async () => {
    const code = "c".repeat(64);
    await ctx.store.saveInvite({ codeHash: code, region: "KZ-75", network: "kt-fixed", createdAt: "2025-01-01T00:00:00.000Z",
      expiresAt: "2025-01-02T00:00:00.000Z" });
    await expect(ctx.store.saveInvite({ codeHash: "plain", region: "KZ-75", network: "kt-fixed", createdAt: "x", expiresAt: "y" }))
      .rejects.toThrow(/sha256/);
    expect(await ctx.store.redeemInvite("d".repeat(64), at("2025-01-01T01:00:00Z"), "v-1", "1".repeat(64)))
      .toEqual({ ok: false, reason: "unknown" });
    expect(await ctx.store.redeemInvite(code, at("2025-01-03T00:00:00Z"), "v-1", "1".repeat(64)))
      .toEqual({ ok: false, reason: "expired" });
    // Two redeemers racing for one code: exactly one wins.
    const [a, b] = await Promise.all([
      ctx.store.redeemInvite(code, at("2025-01-01T01:00:00Z"), "v-1", "1".repeat(64)),
      (await ctx.factory.reopen()).redeemInvite(code, at("2025-01-01T01:00:00Z"), "v-2", "2".repeat(64)),
    ]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    const winner = a.ok ? a.probe : (b as Extract<typeof b, { ok: true }>).probe;
    expect(a.ok ? b : a).toEqual({ ok: false, reason: "used" });
    expect(await ctx.store.getEnrolledProbe(winner.id)).toEqual(winner);
    expect(await ctx.store.getEnrolledProbe(winner.id === "v-1" ? "v-2" : "v-1")).toBeNull();
    expect(await ctx.store.findProbeToken(winner.id === "v-1" ? "1".repeat(64) : "2".repeat(64)))
      .toMatchObject({ probeId: winner.id, region: "KZ-75", revokedAt: null });
    const hb = { probeId: winner.id, receivedAt: "2025-01-01T02:00:00.000Z", version: "0.1.0", spoolDepth: 3,
      clockOffsetMs: -12, lastRoundAt: null, lastError: null };
    await ctx.store.saveHeartbeat(hb);
    await ctx.store.saveHeartbeat({ ...hb, spoolDepth: 0 });
    expect(await ctx.store.listHeartbeats()).toEqual([{ ...hb, spoolDepth: 0 }]);
  });

  it("lists invites newest first and revokes only an unused, unexpired one", async () => {
    const mk = (c: string, createdAt: string) => ctx.store.saveInvite({ codeHash: c.repeat(64), region: "KZ-75", network: "kt-fixed",
      createdAt, expiresAt: "2025-01-10T00:00:00.000Z" });
    await mk("1", "2025-01-01T00:00:00.000Z");
    await mk("2", "2025-01-02T00:00:00.000Z");
    expect((await ctx.store.listInvites()).map((i) => i.codeHash[0])).toEqual(["2", "1"]);
    expect(await ctx.store.revokeInvite("2".repeat(64), at("2025-01-03T00:00:00Z"))).toBe(true);
    expect(await ctx.store.revokeInvite("2".repeat(64), at("2025-01-04T00:00:00Z"))).toBe(false); // already expired
    expect(await ctx.store.revokeInvite("9".repeat(64), at("2025-01-03T00:00:00Z"))).toBe(false); // unknown
    expect(await ctx.store.redeemInvite("2".repeat(64), at("2025-01-03T12:00:00Z"), "v-2", "3".repeat(64)))
      .toEqual({ ok: false, reason: "expired" });
    expect((await ctx.store.redeemInvite("1".repeat(64), at("2025-01-03T12:00:00Z"), "v-1", "4".repeat(64))).ok).toBe(true);
    expect(await ctx.store.revokeInvite("1".repeat(64), at("2025-01-04T00:00:00Z"))).toBe(false); // used
    expect((await ctx.store.listInvites()).find((i) => i.codeHash[0] === "1")).toMatchObject({ usedAt: "2025-01-03T12:00:00.000Z", probeId: "v-1" });
  });

  it("round-trips state and keeps it across reopening", async () => {
    expect(await ctx.store.getState("detector")).toBeNull();
    await ctx.store.setState("detector", "{\"a\":1}");
    await ctx.store.setState("detector", "{\"a\":2}");
    await ctx.store.close();
    ctx.store = await ctx.factory.reopen();
    expect(await ctx.store.getState("detector")).toBe("{\"a\":2}");
    expect(await ctx.store.health()).toBe("up");
  });

  it("migrates idempotently", async () => {
    await ctx.store.migrate();
    await ctx.store.migrate();
    await ctx.store.insertMeasurements([fixtureMeasurement({ startedAt: "2025-01-05T10:00:00Z" })]);
    expect((await ctx.store.measurementFacts({})).length).toBe(1);
  });
}
