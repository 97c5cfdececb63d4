// PostgreSQL migration 5 (src/store/postgres/migration-lean.ts) on a database that holds rows written by the
// version-4 store: nothing is rewritten, measurements dedupe by id and start as before (whatever region the
// server gives a re-upload), and every read answers exactly as a store that got all the same measurements
// after the migration — including a per-target minute key that has its upserted row from before and an
// appended row from after (read since migration 6 from the live rows).
import { describe, expect, it } from "vitest";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { adminQuery } from "../helpers/postgres.js";
import { Partitions, dayOf } from "../../src/store/postgres/partitions.js";
import { insertVersion5Measurements } from "./postgres-legacy-rows.js";
import { databaseAtVersion, expectSameReads, referenceStore, storesClosedAfterEach } from "./postgres-migration-setup.js";
import { BASE, beforeAndAfter } from "./postgres-reads.js";

/** The key columns of each index of a table's partitions' parent, in order. */
async function indexes(url: string, table: string): Promise<Record<string, string>> {
  const rows = await adminQuery<{ name: string; def: string }>(url, `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass ORDER BY 1`, [table]);
  return Object.fromEntries(rows.map((r) => [r.name, r.def.replace(/^.* USING btree /, "")]));
}

describe("PostgreSQL migration 5: appended per-target minute rollups, nothing rewritten", () => {
  const stores = storesClosedAfterEach();

  it("keeps old rows where they are, dedupes by id and start across a region move, and reads like a store that got everything after it", async () => {
    // The late row goes into a per-target minute key that already has its (upserted) row from before the migration.
    const { old, late, fresh } = beforeAndAfter();

    // The version-4 schema, as its store wrote it (one batch: one upserted minute row per key).
    const url = await databaseAtVersion(4, async (pool) => {
      await new Partitions(pool).ensure([dayOf(BASE)]);
      await insertVersion5Measurements(pool, old);
    });
    expect(await indexes(url, "measurements")).toEqual({
      measurements_pkey: "(id, started_ms)", measurements_started_region: "(started_ms, region_ref)" });
    const before = async () => ({
      measurements: await adminQuery(url, "SELECT id::text AS id, ctid::text FROM measurements ORDER BY id"),
      minute: await adminQuery(url, "SELECT ctid::text, bucket, probe_ref, url_ref, total FROM rollups_minute ORDER BY ctid"),
    });
    const stored = await before();

    await databaseAtVersion(5, undefined, url);
    expect(await adminQuery(url, "SELECT MAX(version)::int AS v FROM schema_version")).toEqual([{ v: 5 }]);
    // No row rewritten (same physical places), measurements keyed as before, no unique key on the minute rows.
    expect(await before()).toEqual(stored);
    expect(await indexes(url, "measurements")).toEqual({
      measurements_pkey: "(id, started_ms)", measurements_started_region: "(started_ms, region_ref)" });
    expect(await indexes(url, "rollups_minute")).toEqual({ rollups_minute_bucket_region: "(bucket, region_ref)" });

    // On to the current version (6: those minute rows give way to the live rows, postgres-migration-derived.test.ts;
    // 7: new rows with a series, postgres-migration-series.test.ts).
    const migrated = new PostgresStore(url, { streamPageSize: 7 });
    stores.push(migrated);
    await migrated.migrate();
    // A redelivery, and a re-upload after an operator moved the probe to another region: each stored once.
    const moved = { ...old[3]!, region: old[3]!.region === "KZ-10" ? "KZ-11" : "KZ-10" };
    expect(await migrated.insertMeasurements([...fresh, ...old.slice(0, 5)])).toEqual({ inserted: fresh.length, duplicates: 5 });
    expect(await migrated.insertMeasurements([moved])).toEqual({ inserted: 0, duplicates: 1 });
    expect(await adminQuery(url, "SELECT COUNT(*)::int AS n FROM measurements")).toEqual([{ n: old.length + fresh.length }]);
    // The late row's minute key: the old row and the late one, read as one key.
    const minute = await migrated.targetStats({ since: new Date(BASE), until: new Date(BASE + 60_000), bucketSeconds: 60, region: "KZ-10" });
    expect(minute.filter((r) => r.probeId === "kz-10-1" && r.url === "https://site0.example.kz/").map((r) => [r.total, r.ok]))
      .toEqual([[2, 1]]);

    const reference = await referenceStore(stores, old, fresh);
    await expectSameReads(migrated, reference, [old[0]!.id, old[13]!.id, fresh[0]!.id, late.id, "00000000-0000-4000-8000-000000000000"]);
    // Retention counts minute rows alike (the late key-minute is one in each).
    const far = new Date(BASE + 86_400_000 * 800);
    expect(await migrated.pruneRollups(far)).toBe(await reference.pruneRollups(far));
  }, 180_000);
});
