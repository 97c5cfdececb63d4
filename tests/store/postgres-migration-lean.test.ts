// PostgreSQL migration 5 (src/store/postgres/migration-lean.ts) on a database that holds rows written by the
// version-4 store: nothing is rewritten, measurements dedupe by id and start as before (whatever region the
// server gives a re-upload), and every read answers exactly as a store that got all the same measurements
// after the migration — including a per-target minute key that has its upserted row from before and an
// appended row from after.
import { afterEach, describe, expect, it } from "vitest";
import { applyPgMigrations, PG_MIGRATIONS } from "../../src/store/postgres/migrations.js";
import { createPool } from "../../src/store/postgres/pool.js";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { adminQuery, freshDatabase } from "../helpers/postgres.js";
import { BASE, beforeAndAfter, reads } from "./postgres-reads.js";

/** The key columns of each index of a table's partitions' parent, in order. */
async function indexes(url: string, table: string): Promise<Record<string, string>> {
  const rows = await adminQuery<{ name: string; def: string }>(url, `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass ORDER BY 1`, [table]);
  return Object.fromEntries(rows.map((r) => [r.name, r.def.replace(/^.* USING btree /, "")]));
}

describe("PostgreSQL migration 5: appended per-target minute rollups, nothing rewritten", () => {
  const stores: PostgresStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it("keeps old rows where they are, dedupes by id and start across a region move, and reads like a store that got everything after it", async () => {
    // The late row goes into a per-target minute key that already has its (upserted) row from before the migration.
    const { old, late, fresh } = beforeAndAfter();

    const url = await freshDatabase();
    const pool = createPool(url);
    try {
      await applyPgMigrations(pool, PG_MIGRATIONS.filter((m) => m.version <= 4));
    } finally {
      await pool.end();
    }
    // The version-4 schema, written by the store's ingest (one batch: one row per rollup key, as its upserts made).
    const v4 = new PostgresStore(url);
    stores.push(v4);
    expect(await v4.insertMeasurements(old)).toEqual({ inserted: old.length, duplicates: 0 });
    expect(await indexes(url, "measurements")).toEqual({
      measurements_pkey: "(id, started_ms)", measurements_started_region: "(started_ms, region_ref)" });
    const before = async () => ({
      measurements: await adminQuery(url, "SELECT id::text AS id, ctid::text FROM measurements ORDER BY id"),
      minute: await adminQuery(url, "SELECT ctid::text, bucket, probe_ref, url_ref, total FROM rollups_minute ORDER BY ctid"),
    });
    const stored = await before();

    const migrated = new PostgresStore(url, { streamPageSize: 7 });
    stores.push(migrated);
    await migrated.migrate();
    expect(await adminQuery(url, "SELECT MAX(version)::int AS v FROM schema_version")).toEqual([{ v: 5 }]);
    // No row rewritten (same physical places), measurements keyed as before, no unique key on the minute rows.
    expect(await before()).toEqual(stored);
    expect(await indexes(url, "measurements")).toEqual({
      measurements_pkey: "(id, started_ms)", measurements_started_region: "(started_ms, region_ref)" });
    expect(await indexes(url, "rollups_minute")).toEqual({ rollups_minute_bucket_region: "(bucket, region_ref)" });

    // A redelivery, and a re-upload after an operator moved the probe to another region: each stored once.
    const moved = { ...old[3]!, region: old[3]!.region === "KZ-10" ? "KZ-11" : "KZ-10" };
    expect(await migrated.insertMeasurements([...fresh, ...old.slice(0, 5)])).toEqual({ inserted: fresh.length, duplicates: 5 });
    expect(await migrated.insertMeasurements([moved])).toEqual({ inserted: 0, duplicates: 1 });
    expect(await adminQuery(url, "SELECT COUNT(*)::int AS n FROM measurements")).toEqual([{ n: old.length + fresh.length }]);
    // The late row's minute key: the old upserted row and the appended one, read as one key.
    expect(await adminQuery(url, `SELECT COUNT(*)::int AS n FROM rollups_minute
      WHERE bucket = $1 AND probe_ref = (SELECT id FROM names WHERE name = 'kz-10-1')
        AND url_ref = (SELECT id FROM names WHERE name = 'https://site0.example.kz/')`, [Math.floor((BASE + 37_000) / 60_000) * 60]))
      .toEqual([{ n: 2 }]);
    const minute = await migrated.targetStats({ since: new Date(BASE), until: new Date(BASE + 60_000), bucketSeconds: 60, region: "KZ-10" });
    expect(minute.filter((r) => r.probeId === "kz-10-1" && r.url === "https://site0.example.kz/").map((r) => [r.total, r.ok]))
      .toEqual([[2, 1]]);

    const referenceUrl = await freshDatabase();
    const reference = new PostgresStore(referenceUrl, { streamPageSize: 7 });
    stores.push(reference);
    await reference.migrate();
    await reference.insertMeasurements(old);
    await reference.insertMeasurements(fresh);
    const ids = [old[0]!.id, old[13]!.id, fresh[0]!.id, late.id, "00000000-0000-4000-8000-000000000000"];
    const expected = await reads(reference, ids);
    const got = await reads(migrated, ids);
    for (const k of Object.keys(expected)) expect(got[k], k).toBe(expected[k]);
    // Retention counts stored minute rows alike (the late key is two rows in each).
    const far = new Date(BASE + 86_400_000 * 800);
    expect(await migrated.pruneRollups(far)).toBe(await reference.pruneRollups(far));
  }, 180_000);
});
