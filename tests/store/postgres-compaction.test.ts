// PostgresStore.compactClosed (src/store/postgres/compaction.ts) on a real cluster: a closed day partition's
// indexes are rebuilt full while reads and inserts go on, answers and plans stay the same, the catalog says
// what is done, an interrupted rebuild's INVALID leftover is cleaned up, and only one process works at a time.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { Measurement } from "../../src/measurement.js";
import { COMPACT_AFTER_MS } from "../../src/store/postgres/compaction.js";
import { DAY_MS } from "../../src/store/postgres/partitions.js";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { expectRowsClose } from "./contract-stats.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { adminQuery, freshDatabase } from "../helpers/postgres.js";
import { storesClosedAfterEach } from "./postgres-migration-setup.js";
import { BASE, measurements, reads } from "./postgres-reads.js";

const DAY1 = "measurements_p20250601";
const DAY2 = "measurements_p20250602";
/** The first moment DAY1 counts as closed. */
const DAY1_CLOSED = new Date(Date.parse("2025-06-02T00:00:00Z") + COMPACT_AFTER_MS);

/** n measurements spread over a day from `from`, random ids (as probes make them), a few regions and targets. */
function bulk(n: number, from: number): Measurement[] {
  return Array.from({ length: n }, (_, i) => fixtureMeasurement({
    startedAt: new Date(from + Math.floor((i * 20 * 3600_000) / n)).toISOString(),
    region: `KZ-${10 + (i % 3)}`, probeId: `bulk-${i % 5}`, url: `https://bulk${i % 7}.example.kz/`, accessible: i % 6 !== 0,
  }));
}

async function insertAll(store: PostgresStore, rows: Measurement[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await store.insertMeasurements(rows.slice(i, i + 1000));
}

interface IndexInfo { index: string; valid: boolean; options: string[] | null; bytes: number }

/** The indexes of one partition (leftovers included), by name. */
async function indexesOf(url: string, partition: string): Promise<IndexInfo[]> {
  return adminQuery<IndexInfo>(url, `SELECT ic.relname AS index, x.indisvalid AS valid, ic.reloptions AS options,
      pg_relation_size(ic.oid)::int AS bytes
    FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid WHERE x.indrelid = $1::regclass ORDER BY ic.relname`, [partition]);
}

/** The parent's partitioned indexes: valid, and with one attached child index per partition. */
async function parentIndexes(url: string): Promise<{ index: string; valid: boolean; children: number; partitions: number }[]> {
  return adminQuery(url, `SELECT ic.relname AS index, x.indisvalid AS valid,
      (SELECT COUNT(*)::int FROM pg_inherits i WHERE i.inhparent = ic.oid) AS children,
      (SELECT COUNT(*)::int FROM pg_inherits i WHERE i.inhparent = 'measurements'::regclass) AS partitions
    FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid WHERE x.indrelid = 'measurements'::regclass ORDER BY ic.relname`);
}

const compactedMark = (o: string[] | null) => !!o?.includes("fillfactor=100") && o.includes("deduplicate_items=on");

/** The plan of a statement, costs and row estimates left out. */
async function planShape(url: string, sql: string): Promise<string> {
  const rows = await adminQuery<{ "QUERY PLAN": string }>(url, `EXPLAIN (COSTS OFF) ${sql}`);
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

/** Resolves once some backend runs `REINDEX` and waits for a lock (the holder's); a minute without: no rebuild ran. */
async function reindexWaiting(url: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    if (tries > 1200) throw new Error("no REINDEX waiting for the writer's lock");
    const rows = await adminQuery(url, `SELECT 1 FROM pg_stat_activity WHERE query LIKE 'REINDEX%' AND wait_event_type = 'Lock'`);
    if (rows.length > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A transaction holding a writer's lock on a partition: a concurrent rebuild waits for it to end. */
async function holdWriterLock(url: string, partition: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query("BEGIN");
  await c.query(`LOCK TABLE ${partition} IN ROW EXCLUSIVE MODE`);
  return c;
}

/** Lookups by id, facts, per-target stats by minute and hour and network stats answer as a SQLite store fed the same. */
async function expectSameAsSqlite(store: PostgresStore, rows: Measurement[], ids: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "kw-compact-"));
  const sqlite = new SqliteStore(join(dir, "reference.sqlite"));
  try {
    await sqlite.migrate();
    for (let i = 0; i < rows.length; i += 1000) await sqlite.insertMeasurements(rows.slice(i, i + 1000));
    for (const id of ids) expect(await store.getMeasurement(id), id).toEqual(await sqlite.getMeasurement(id));
    for (const q of [{}, { region: "KZ-10" }, { region: "KZ-11", since: new Date(BASE), until: new Date(BASE + 900_000) }]) {
      expect(await store.measurementFacts(q), JSON.stringify(q)).toEqual(await sqlite.measurementFacts(q));
    }
    for (const bucketSeconds of [60, 3600]) {
      for (const region of [undefined, "KZ-10"]) {
        const q = { since: new Date(BASE - DAY_MS), until: new Date(BASE + 2 * DAY_MS), bucketSeconds, ...(region ? { region } : {}) };
        expectRowsClose(await store.targetStats(q), await sqlite.targetStats(q));
        expectRowsClose(await store.networkStats(q), await sqlite.networkStats(q));
      }
    }
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("PostgreSQL: closed day partitions' indexes compacted", () => {
  const stores = storesClosedAfterEach();

  it("rebuilds a closed day's indexes full once: same answers and plans, fewer bytes, an open day untouched", async () => {
    const url = await freshDatabase("kwcompact");
    const store = new PostgresStore(url, { streamPageSize: 7 });
    stores.push(store);
    await store.migrate();
    const day1 = [...measurements(), ...bulk(6000, Date.parse("2025-06-01T00:00:00Z"))];
    const day2 = bulk(300, Date.parse("2025-06-02T00:00:00Z"));
    await insertAll(store, [...day1, ...day2]);
    const ids = [day1[0]!.id, day1[100]!.id, day1[5000]!.id, day2[7]!.id, "00000000-0000-4000-8000-000000000000"];
    const before = await reads(store, ids);
    const hour = { since: new Date(BASE - DAY_MS), until: new Date(BASE + 2 * DAY_MS), bucketSeconds: 3600 };
    const daysBefore = [await store.targetStats(hour), await store.networkStats(hour)];
    const byId = `SELECT packed FROM measurements WHERE id = '${day1[5000]!.id}'`;
    const byRegion = `SELECT id FROM measurements WHERE started_ms >= ${BASE} AND started_ms < ${BASE + 900_000} AND region_ref = 1`;
    const plans = [await planShape(url, byId), await planShape(url, byRegion)];
    const [idx1, idx2] = [await indexesOf(url, DAY1), await indexesOf(url, DAY2)];
    expect(idx1.map((i) => i.options)).toEqual([null, null]);

    // DAY1 is not closed until COMPACT_AFTER_MS past its end.
    expect(await store.compactClosed(new Date(DAY1_CLOSED.getTime() - 1))).toEqual({ busy: false, compacted: 0, cleaned: 0 });
    expect(await store.compactClosed(DAY1_CLOSED)).toEqual({ busy: false, compacted: 2, cleaned: 0 });

    const after1 = await indexesOf(url, DAY1);
    expect(after1.map((i) => [i.index, i.valid, compactedMark(i.options)])).toEqual(idx1.map((i) => [i.index, true, true]));
    for (const [i, b] of after1.entries()) expect(b.bytes, b.index).toBeLessThan(idx1[i]!.bytes * 0.85);
    expect(await indexesOf(url, DAY2)).toEqual(idx2); // its day is not over: untouched
    for (const p of await parentIndexes(url)) expect(p, p.index).toMatchObject({ valid: true, children: p.partitions });

    expect(await reads(store, ids)).toEqual(before);
    expect([await store.targetStats(hour), await store.networkStats(hour)]).toEqual(daysBefore);
    await expectSameAsSqlite(store, [...day1, ...day2], ids);
    expect([await planShape(url, byId), await planShape(url, byRegion)]).toEqual(plans);
    expect(plans[0]).toContain(`${DAY1}_pkey`);

    // Done is read from the catalog: a second run (from any process) does nothing.
    expect(await store.compactClosed(DAY1_CLOSED)).toEqual({ busy: false, compacted: 0, cleaned: 0 });
    const other = new PostgresStore(url);
    stores.push(other);
    expect(await other.compactClosed(DAY1_CLOSED)).toEqual({ busy: false, compacted: 0, cleaned: 0 });
    // The full key still refuses a redelivery and takes a late upload (a page splits).
    const late = bulk(50, Date.parse("2025-06-01T00:00:30Z"));
    expect(await store.insertMeasurements([day1[10]!, ...late])).toEqual({ inserted: 50, duplicates: 1 });
    expect((await store.getMeasurement(late[49]!.id))?.id).toBe(late[49]!.id);
  }, 180_000);

  it("lets inserts go on during a rebuild, a second process skip, and a partition dropped meanwhile not fail the run", async () => {
    const url = await freshDatabase("kwcompact");
    const [a, b] = [new PostgresStore(url), new PostgresStore(url)];
    stores.push(a, b);
    await a.migrate();
    await insertAll(a, [...bulk(3000, Date.parse("2025-06-01T00:00:00Z")), ...bulk(3000, Date.parse("2025-06-02T00:00:00Z"))]);
    const clock = new Date(DAY1_CLOSED.getTime() + DAY_MS); // both days closed; DAY2 (newest) goes first

    const holder = await holdWriterLock(url, DAY2);
    let running: Promise<unknown> | null = null;
    try {
      running = a.compactClosed(clock);
      await reindexWaiting(url);
      // Another process's retention finds the compaction lock taken and moves on.
      expect(await b.compactClosed(clock)).toEqual({ busy: true, compacted: 0, cleaned: 0 });
      // Inserts into the partition being rebuilt, the other closed one and a new day all go through meanwhile.
      const during = [...bulk(200, Date.parse("2025-06-02T01:00:00Z")), ...bulk(100, Date.parse("2025-06-01T03:00:00Z")),
        ...bulk(100, Date.parse("2025-06-04T00:00:00Z"))];
      expect(await b.insertMeasurements(during)).toEqual({ inserted: 400, duplicates: 0 });
      // ...while the rebuild is still waiting, and another process's retention drops the older closed day.
      await reindexWaiting(url);
      await adminQuery(url, `DROP TABLE ${DAY1}`);
      await holder.query("COMMIT");
      expect(await running).toEqual({ busy: false, compacted: 2, cleaned: 0 });
      running = null;
      for (const m of during.filter((m) => !m.startedAt.startsWith("2025-06-01"))) expect((await a.getMeasurement(m.id))?.id).toBe(m.id);
      expect(await adminQuery(url, `SELECT COUNT(*)::int AS n FROM ${DAY2}`)).toEqual([{ n: 3200 }]);
      expect((await indexesOf(url, DAY2)).map((i) => [i.valid, compactedMark(i.options)])).toEqual([[true, true], [true, true]]);
      for (const p of await parentIndexes(url)) expect(p, p.index).toMatchObject({ valid: true, children: p.partitions });
    } finally {
      await holder.query("ROLLBACK").catch(() => undefined);
      await holder.end();
      await running?.catch(() => undefined);
    }
  }, 180_000);

  it("drops the INVALID index an interrupted rebuild left behind and redoes its partition", async () => {
    const url = await freshDatabase("kwcompact");
    const store = new PostgresStore(url);
    stores.push(store);
    await store.migrate();
    await insertAll(store, bulk(4000, Date.parse("2025-06-01T00:00:00Z")));
    const fresh = await indexesOf(url, DAY1);

    // A process that set the fill factor and started the rebuild dies while the rebuild waits for a writer.
    const dying = new pg.Client({ connectionString: url });
    await dying.connect();
    dying.on("error", () => undefined);
    await dying.query(`ALTER INDEX ${DAY1}_pkey SET (fillfactor = 100)`);
    const holder = await holdWriterLock(url, DAY1);
    const pid = (await dying.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    const killed = dying.query(`REINDEX INDEX CONCURRENTLY ${DAY1}_pkey`).catch((err: unknown) => err);
    await reindexWaiting(url);
    await adminQuery(url, "SELECT pg_terminate_backend($1)", [pid]);
    await killed;
    await holder.query("COMMIT");
    await holder.end();
    await dying.end().catch(() => undefined);
    const leftover = (await indexesOf(url, DAY1)).filter((i) => !i.valid);
    expect(leftover.map((i) => i.index)).toEqual([`${DAY1}_pkey_ccnew`]);

    expect(await store.compactClosed(DAY1_CLOSED)).toEqual({ busy: false, compacted: 2, cleaned: 1 });
    const after = await indexesOf(url, DAY1);
    expect(after.map((i) => [i.index, i.valid, compactedMark(i.options)])).toEqual(fresh.map((i) => [i.index, true, true]));
    for (const [i, b] of after.entries()) expect(b.bytes, b.index).toBeLessThan(fresh[i]!.bytes * 0.85);
    for (const p of await parentIndexes(url)) expect(p, p.index).toMatchObject({ valid: true, children: p.partitions });
    expect(await store.compactClosed(DAY1_CLOSED)).toEqual({ busy: false, compacted: 0, cleaned: 0 });
  }, 180_000);
});
