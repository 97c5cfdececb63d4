// PostgreSQL migration 4 (src/store/postgres/migration-slim.ts) on a database that already holds rows in the
// version-3 form: nothing is rewritten, and every read answers exactly as a store that got all the same
// measurements after the migration — including rollup keys that have a row in the legacy table and one in
// the new table, filters that match old and new rows, sub-minute stats from raw rows of both forms.
import { describe, expect, it } from "vitest";
import { Partitions, dayOf } from "../../src/store/postgres/partitions.js";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { adminQuery } from "../helpers/postgres.js";
import { insertLegacyPgMeasurements } from "./postgres-legacy-rows.js";
import { databaseAtVersion, expectSameReads, referenceStore, storesClosedAfterEach } from "./postgres-migration-setup.js";
import { BASE, beforeAndAfter } from "./postgres-reads.js";

describe("PostgreSQL migration 4: rows and rollups from before it stay as they are and read as before", () => {
  const stores = storesClosedAfterEach();

  it("answers every read exactly like a store that got all measurements after it, without rewriting old rows", async () => {
    const { old, late, fresh } = beforeAndAfter();

    const legacyUrl = await databaseAtVersion(3, async (pool) => {
      await new Partitions(pool).ensure([dayOf(BASE)]);
      await insertLegacyPgMeasurements(pool, old);
    });
    const before = await adminQuery<{ id: string; ctid: string }>(legacyUrl, "SELECT id::text AS id, ctid::text FROM measurements ORDER BY id");

    const migrated = new PostgresStore(legacyUrl, { streamPageSize: 7 });
    stores.push(migrated);
    await migrated.migrate();
    // Nothing rewritten: each old row is where it was, with its text facts and no ids.
    expect(await adminQuery(legacyUrl, "SELECT id::text AS id, ctid::text FROM measurements ORDER BY id")).toEqual(before);
    expect(await adminQuery(legacyUrl, "SELECT COUNT(*)::int AS n FROM measurements WHERE region IS NOT NULL AND region_ref IS NULL"))
      .toEqual([{ n: old.length }]);
    expect((await adminQuery<{ n: number }>(legacyUrl, "SELECT COUNT(*)::int AS n FROM legacy_rollups_minute"))[0]!.n).toBeGreaterThan(0);
    expect(await migrated.insertMeasurements([...fresh, ...old.slice(0, 5)])).toEqual({ inserted: fresh.length, duplicates: 5 });
    // New rows carry ids, not text.
    expect(await adminQuery(legacyUrl, "SELECT COUNT(*)::int AS n FROM measurements WHERE region IS NULL AND region_ref IS NOT NULL"))
      .toEqual([{ n: fresh.length }]);

    const reference = await referenceStore(stores, old, fresh);
    await expectSameReads(migrated, reference, [old[0]!.id, old[13]!.id, fresh[0]!.id, late.id, "00000000-0000-4000-8000-000000000000"]);
    // The late row's minute has a legacy minute row and its live row (PostgreSQL migration 6); read as one key.
    const minute = await migrated.targetStats({ since: new Date(BASE), until: new Date(BASE + 60_000), bucketSeconds: 60, region: "KZ-10" });
    expect(minute.filter((r) => r.probeId === "kz-10-1" && r.url === "https://site0.example.kz/").map((r) => r.total)).toEqual([2]);

    // Retention reaches the legacy tables too, and a store opened once they are empty reads the new ones alone.
    const far = new Date(BASE + 86_400_000 * 800);
    // It counts minute rows: the reference has the late row's key-minute once (its two live rows), the migrated
    // store twice (the legacy row and the live row); every other key-minute once in each.
    expect(await migrated.pruneRollups(far)).toBe((await reference.pruneRollups(far)) + 1);
    expect(await adminQuery(legacyUrl, "SELECT (SELECT COUNT(*) FROM legacy_rollups_minute)::int + (SELECT COUNT(*) FROM legacy_rollups_hour)::int AS n"))
      .toEqual([{ n: 0 }]);
    const reopened = new PostgresStore(legacyUrl);
    stores.push(reopened);
    await reopened.migrate();
    await reopened.insertMeasurements([fixtureMeasurement({ startedAt: new Date(BASE + 86_400_000 * 801).toISOString() })]);
    const after = await reopened.targetStats({ since: new Date(BASE + 86_400_000 * 801 - 3600_000), until: new Date(BASE + 86_400_000 * 802), bucketSeconds: 60 });
    expect(after.map((r) => r.total)).toEqual([1]);
  }, 180_000); // two databases, ~100 reads each: long on a loaded machine
});
