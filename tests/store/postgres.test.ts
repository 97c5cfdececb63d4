import { afterEach, describe, expect, it } from "vitest";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { StoreUnavailableError } from "../../src/store/errors.js";
import type { Store } from "../../src/store/store.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { adminQuery, freshDatabase, workerCluster } from "../helpers/postgres.js";
import { storeContract, type StoreFactory } from "./contract.js";

/** Each open() is a new database in this worker's cluster; reopen() is a second pool on the newest one. */
function postgresFactory(): StoreFactory {
  let stores: Store[] = [];
  let last = "";
  return {
    async open(opts = {}) {
      last = await freshDatabase();
      const s = new PostgresStore(last, { streamPageSize: opts.streamPageSize, max: 4 });
      stores.push(s);
      await s.migrate();
      return s;
    },
    async reopen() {
      const s = new PostgresStore(last, { max: 4 });
      stores.push(s);
      await s.migrate();
      return s;
    },
    async cleanup() {
      for (const s of stores) await s.close();
      stores = [];
    },
  };
}

storeContract("PostgresStore", postgresFactory());

describe("PostgresStore partitions", () => {
  let store: PostgresStore;
  let url: string;
  afterEach(async () => store?.close());

  const partitions = async () => (await adminQuery<{ name: string }>(url, `SELECT c.relname AS name FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'measurements'::regclass ORDER BY 1`)).map((r) => r.name);

  it("creates a partition per UTC day on demand (and days ahead at migrate), and retention drops whole days", async () => {
    url = await freshDatabase();
    store = new PostgresStore(url, { partitionsAhead: 2 });
    await store.migrate();
    const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    const ahead = await partitions();
    expect(ahead.length).toBe(4); // yesterday, today and two ahead
    expect(ahead).toContain(`measurements_p${today.toISOString().slice(0, 10).replaceAll("-", "")}`);
    const days = ["2025-03-01", "2025-03-02", "2025-03-03"];
    await store.insertMeasurements(days.flatMap((d) => [0, 6, 12, 18].map((h) =>
      fixtureMeasurement({ startedAt: `${d}T${String(h).padStart(2, "0")}:00:00Z` }))));
    expect((await partitions()).filter((p) => p.startsWith("measurements_p202503"))).toEqual(
      ["measurements_p20250301", "measurements_p20250302", "measurements_p20250303"]);
    // Cutoff inside 2025-03-02: the 1st is dropped whole, the 2nd loses its two older rows, the 3rd is untouched.
    expect(await store.pruneMeasurements(new Date("2025-03-02T10:00:00Z"))).toBe(6);
    expect((await partitions()).filter((p) => p.startsWith("measurements_p202503"))).toEqual(
      ["measurements_p20250302", "measurements_p20250303"]);
    expect((await store.measurementFacts({})).map((f) => f.startedAt)).toEqual([
      "2025-03-02T12:00:00Z", "2025-03-02T18:00:00Z", "2025-03-03T00:00:00Z", "2025-03-03T06:00:00Z",
      "2025-03-03T12:00:00Z", "2025-03-03T18:00:00Z"]);
    // Rollups outlive the dropped partition.
    const hours = await store.targetStats({ since: new Date("2025-03-01T00:00:00Z"), until: new Date("2025-03-04T00:00:00Z"), bucketSeconds: 3600 });
    expect(hours.reduce((n, r) => n + r.total, 0)).toBe(12);
  });

  it("lets many writers meet the same new days at once, and a day another process dropped is made again", async () => {
    url = await freshDatabase();
    store = new PostgresStore(url);
    await store.migrate();
    const others = await Promise.all([0, 1, 2].map(async () => {
      const s = new PostgresStore(url, { max: 2 });
      await s.migrate();
      return s;
    }));
    try {
      const writers = [store, ...others];
      const results = await Promise.all(writers.map((s, w) => s.insertMeasurements(["2025-04-01", "2025-04-02", "2025-04-03"]
        .map((d) => fixtureMeasurement({ startedAt: `${d}T0${w}:00:00Z` })))));
      expect(results.every((r) => r.inserted === 3)).toBe(true);
      // `store` drops 2025-04-01; the others still believe in it and must recreate it for a late row.
      expect(await store.pruneMeasurements(new Date("2025-04-02T00:00:00Z"))).toBe(4);
      expect(await others[0]!.insertMeasurements([fixtureMeasurement({ startedAt: "2025-04-01T12:00:00Z" })]))
        .toEqual({ inserted: 1, duplicates: 0 });
    } finally {
      for (const s of others) await s.close();
    }
  });
});

describe("PostgresStore raw encoding (measurement-codec.ts, PostgreSQL migration 2)", () => {
  let store: PostgresStore;
  afterEach(async () => store?.close());

  it("packs new rows, still reads rows kept as JSON text before migration 2, and refuses a row whose facts changed", async () => {
    const url = await freshDatabase();
    store = new PostgresStore(url, { streamPageSize: 2 });
    await store.migrate();
    // An upper-case id: PostgreSQL gives it back lower-case (uuid), the measurement keeps it as sent.
    const upper = fixtureMeasurement({ id: "0F0E0D0C-0B0A-4908-8706-050403020100", startedAt: "2025-03-01T10:00:00.5Z" });
    const old = fixtureMeasurement({ startedAt: "2025-03-01T10:00:01Z" });
    const other = { ...fixtureMeasurement({ startedAt: "2025-03-01T10:00:02.000Z" }), receivedAt: "2025-03-01T10:00:03Z" };
    expect(await store.insertMeasurements([upper, old, other])).toEqual({ inserted: 3, duplicates: 0 });
    const stored = await adminQuery<{ id: string; raw: string | null; n: number }>(url,
      "SELECT id::text AS id, raw, octet_length(packed) AS n FROM measurements ORDER BY started_ms");
    expect(stored.map((r) => r.raw)).toEqual([null, null, null]);
    for (const r of stored) expect(r.n).toBeLessThan(JSON.stringify(old).length / 2);
    // A row as migration 2 leaves one written before it: JSON text in raw, no packed value.
    await adminQuery(url, "UPDATE measurements SET raw = $1, packed = NULL WHERE id = $2", [JSON.stringify(old), old.id]);
    for (const m of [upper, old, other]) expect(JSON.stringify(await store.getMeasurement(m.id))).toBe(JSON.stringify(m));
    expect(JSON.stringify(await store.getMeasurement(upper.id.toLowerCase()))).toBe(JSON.stringify(upper));
    const streamed: string[] = [];
    for await (const m of store.streamMeasurements({})) streamed.push(JSON.stringify(m));
    expect(streamed).toEqual([upper, old, other].map((m) => JSON.stringify(m)));
    // A fact column edited behind the store's back no longer matches the packed value: a loud error, not a wrong row.
    await adminQuery(url, `WITH n AS (INSERT INTO names (name) VALUES ('https://other.test/') RETURNING id)
      UPDATE measurements SET url_ref = (SELECT id FROM n) WHERE id = $1`, [other.id]);
    await expect(store.getMeasurement(other.id)).rejects.toThrow(/does not match|does not inflate|not JSON/);
  });
});

describe("PostgresStore unavailability", () => {
  let store: PostgresStore | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
  });

  it("reports an unreachable server as StoreUnavailableError('down') without the password, and health 'down'", async () => {
    const c = await workerCluster();
    // A port nothing listens on (the cluster's own port + 1 is free in practice; verified by the error below).
    store = new PostgresStore(`postgres://keepwatch:s3cret-pw@127.0.0.1:${c.port + 1}/none`, { connectTimeoutMs: 2000 });
    const err = await store.insertMeasurements([fixtureMeasurement()]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).reason).toBe("down");
    expect(String((err as Error).message)).not.toContain("s3cret-pw");
    expect(await store.health()).toBe("down");
  });

  it("turns a lock held past lock_timeout into 'locked', and an admin shutdown of its connection into 'down'", async () => {
    const url = await freshDatabase();
    store = new PostgresStore(url, { lockTimeoutMs: 300, max: 2 });
    await store.migrate();
    await store.setState("k", "v1");
    const pg = (await import("pg")).default;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query("BEGIN");
      await admin.query("LOCK TABLE state IN ACCESS EXCLUSIVE MODE");
      const locked = await store.setState("k", "v2").catch((e: unknown) => e);
      expect(locked).toBeInstanceOf(StoreUnavailableError);
      expect((locked as StoreUnavailableError).reason).toBe("locked");
      // Now a store that waits longer, killed by the administrator while it waits.
      const patient = new PostgresStore(url, { lockTimeoutMs: 60_000, max: 1 });
      try {
        const waiting = patient.getState("k").catch((e: unknown) => e);
        for (let i = 0; i < 100; i++) {
          const n = await adminQuery<{ n: number }>(url, `SELECT COUNT(*)::int AS n FROM pg_stat_activity
            WHERE application_name = 'keepwatch' AND wait_event_type = 'Lock'`);
          if (n[0]!.n > 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await adminQuery(url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name = 'keepwatch' AND wait_event_type = 'Lock'`);
        const down = await waiting;
        expect(down).toBeInstanceOf(StoreUnavailableError);
        expect((down as StoreUnavailableError).reason).toBe("down");
      } finally {
        await patient.close();
      }
      await admin.query("ROLLBACK");
      // Nothing accepted was lost, and the pool reconnects by itself.
      expect(await store.getState("k")).toBe("v1");
      expect(await store.health()).toBe("up");
    } finally {
      await admin.end();
    }
  });

  it("refuses bad data with a plain error (not a retryable one) and stores nothing of the batch", async () => {
    const url = await freshDatabase();
    store = new PostgresStore(url);
    await store.migrate();
    const good = fixtureMeasurement({ startedAt: "2025-01-05T10:00:00Z" });
    const bad = { ...fixtureMeasurement({ startedAt: "2025-01-05T10:00:01Z" }), id: "not-a-uuid" };
    const err = await store.insertMeasurements([good, bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(StoreUnavailableError);
    expect(await store.measurementFacts({})).toEqual([]);
    expect(await store.insertMeasurements([good])).toEqual({ inserted: 1, duplicates: 0 });
  });
});
