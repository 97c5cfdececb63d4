// PostgreSQL migration 7 (src/store/postgres/migration-series.ts) on a version-6 database holding rows of both
// earlier forms (text facts from before migration 4, name ids since): nothing is rewritten, new rows carry one
// series id (and their region id) instead of seven ids and the ASN, and every read — facts, streams, lookups by
// id, filters by region, network, probe and role, stats at every grain, lastSeen — answers exactly as a store
// that got all the same measurements after the migration, including a per-target minute with rows of two forms.
import { describe, expect, it } from "vitest";
import { PG_MIGRATIONS } from "../../src/store/postgres/migrations.js";
import { Partitions, dayOf } from "../../src/store/postgres/partitions.js";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { adminQuery } from "../helpers/postgres.js";
import { insertLegacyPgMeasurements, insertVersion5Measurements } from "./postgres-legacy-rows.js";
import { databaseAtVersion, expectSameReads, referenceStore, storesClosedAfterEach } from "./postgres-migration-setup.js";
import { BASE, beforeAndAfter } from "./postgres-reads.js";

describe("PostgreSQL migration 7: one series id per new measurement row, older rows read as before", () => {
  const stores = storesClosedAfterEach();

  it("reads rows of all three forms exactly like a store that got every measurement after it, without rewriting a row", async () => {
    const { old, late, fresh } = beforeAndAfter();
    const [textRows, idRows] = [old.slice(0, 40), old.slice(40)];
    const url = await databaseAtVersion(3, async (pool) => {
      await new Partitions(pool).ensure([dayOf(BASE)]);
      await insertLegacyPgMeasurements(pool, textRows);
    });
    await databaseAtVersion(6, (pool) => insertVersion5Measurements(pool, idRows, { minuteRows: false }), url);
    const rows = () => adminQuery(url, "SELECT id::text AS id, ctid::text AS ctid FROM measurements ORDER BY id");
    const before = await rows();

    const migrated = new PostgresStore(url, { streamPageSize: 7 });
    stores.push(migrated);
    await migrated.migrate();
    expect(await adminQuery(url, "SELECT MAX(version)::int AS v FROM schema_version")).toEqual([{ v: PG_MIGRATIONS.length }]);
    expect(await rows()).toEqual(before);
    // A redelivery of each older form is still one row.
    expect(await migrated.insertMeasurements([...fresh, textRows[0]!, idRows[0]!])).toEqual({ inserted: fresh.length, duplicates: 2 });
    const forms = await adminQuery(url, `SELECT COUNT(*) FILTER (WHERE region IS NOT NULL)::int AS text,
        COUNT(*) FILTER (WHERE network_ref IS NOT NULL AND series_ref IS NULL)::int AS ids,
        COUNT(*) FILTER (WHERE series_ref IS NOT NULL AND region_ref IS NOT NULL AND network_ref IS NULL AND probe_ref IS NULL
          AND url_ref IS NULL AND kind_ref IS NULL AND asn IS NULL)::int AS series
      FROM measurements`);
    expect(forms).toEqual([{ text: textRows.length, ids: idRows.length, series: fresh.length }]);
    // Two probes' rounds over the same targets share a series per probe and target, not a row each.
    const { n } = (await adminQuery<{ n: number }>(url, "SELECT COUNT(*)::int AS n FROM series"))[0]!;
    expect(n).toBeLessThan(fresh.length);

    const reference = await referenceStore(stores, old, fresh);
    await expectSameReads(migrated, reference, [textRows[0]!.id, idRows[3]!.id, fresh[0]!.id, late.id, "00000000-0000-4000-8000-000000000000"]);
    // Minute-grain target stats of the late row's key: a text row with its legacy minute row, and the late series row.
    const minute = await migrated.targetStats({ since: new Date(BASE), until: new Date(BASE + 60_000), bucketSeconds: 60, region: "KZ-10" });
    expect(minute.filter((r) => r.probeId === "kz-10-1" && r.url === "https://site0.example.kz/").map((r) => r.total)).toEqual([2]);
  }, 180_000);
});
