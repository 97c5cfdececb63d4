import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import BetterSqlite3 from "better-sqlite3";
import { MIGRATIONS, applyMigrations, schemaVersion, type Migration } from "../../src/store/migrations.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), "kw-migr-")); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("migrations", () => {
  it("are idempotent: a second run applies nothing and data stays", async () => {
    const path = join(dir, "db.sqlite");
    const db = new BetterSqlite3(path);
    expect(applyMigrations(db)).toEqual(MIGRATIONS.map((m) => m.version));
    db.prepare("INSERT INTO state (key, value, updated_ms) VALUES ('k', 'v', 0)").run();
    expect(applyMigrations(db)).toEqual([]);
    db.close();
    const store = new SqliteStore(path);
    await store.migrate();
    await store.migrate();
    expect(await store.getState("k")).toBe("v");
    await store.close();
    const again = new BetterSqlite3(path);
    expect(schemaVersion(again)).toBe(MIGRATIONS.at(-1)!.version);
    expect((again.prepare("SELECT COUNT(*) AS n FROM schema_version").get() as { n: number }).n).toBe(MIGRATIONS.length);
    again.close();
  });

  it("applies only newer steps, and a failing step leaves the previous version intact", () => {
    const db = new BetterSqlite3(join(dir, "db.sqlite"));
    const steps: Migration[] = [
      { version: 1, name: "one", sql: "CREATE TABLE a (x INTEGER)" },
      { version: 2, name: "two", sql: "CREATE TABLE b (x INTEGER); CREATE TABLE c (y INTEGER); CREATE TABLE a (z)" },
    ];
    expect(() => applyMigrations(db, steps)).toThrow(/already exists/);
    expect(schemaVersion(db)).toBe(1);
    // Step 2 rolled back as a whole: b was not left behind.
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('b', 'c')").all()).toEqual([]);
    steps[1] = { version: 2, name: "two", sql: "CREATE TABLE b (x INTEGER)" };
    expect(applyMigrations(db, steps)).toEqual([2]);
    db.close();
  });

  it("refuses a database written by newer software", () => {
    const db = new BetterSqlite3(join(dir, "db.sqlite"));
    applyMigrations(db, [{ version: 1, name: "one", sql: "" }, { version: 2, name: "two", sql: "" }]);
    expect(() => applyMigrations(db, [{ version: 1, name: "one", sql: "" }])).toThrow(/newer/);
    db.close();
  });

  it("version 2 carries a version-1 database forward: minute rollups re-keyed, hour and network rollups backfilled", async () => {
    const base = Date.parse("2025-01-05T00:00:00Z");
    const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => fixtureMeasurement({
      startedAt: new Date(base + (from + i) * 97_000).toISOString(),
      region: i % 3 === 0 ? "KZ-47" : "KZ-75", probeId: `p${i % 4}`, url: `https://t${i % 5}.test/`,
      accessible: i % 6 !== 0, blocking: i % 12 === 0 ? "dns" : null, bytesPerSecond: i % 7 === 0 ? 5000 + i : null,
      handshakeTime: (i % 4) * 0.125, // binary fractions: sums agree exactly whatever the order of addition
    }));
    const first = batch(0, 300);
    const later = batch(300, 100);
    // The reference: a store that was always at the newest version.
    const reference = new SqliteStore(join(dir, "reference.sqlite"));
    await reference.migrate();
    await reference.insertMeasurements(first);
    // A version-1 file holding what a version-1 store wrote for `first` (its tables had these columns).
    const oldPath = join(dir, "old.sqlite");
    const old = new BetterSqlite3(oldPath);
    applyMigrations(old, MIGRATIONS.filter((m) => m.version === 1));
    old.exec(`ATTACH '${join(dir, "reference.sqlite")}' AS ref`);
    const cols = (t: string) => (old.prepare(`SELECT name FROM pragma_table_info('${t}')`).all() as { name: string }[])
      .map((c) => c.name).join(", ");
    for (const t of ["measurements", "rollups_minute", "last_seen", "probes"]) {
      old.exec(`INSERT INTO main.${t} (${cols(t)}) SELECT ${cols(t)} FROM ref.${t}`);
    }
    old.exec("DETACH ref");
    expect(old.prepare("SELECT sql FROM sqlite_master WHERE name = 'rollups_minute'").pluck().get()).toMatch(/PRIMARY KEY \(bucket,/);
    old.close();

    const migrated = new SqliteStore(oldPath);
    await migrated.migrate();
    const q = { since: new Date(base), until: new Date(base + 86400_000) };
    const same = async () => {
      for (const bucketSeconds of [60, 3600, 86400]) {
        expect(await migrated.targetStats({ ...q, bucketSeconds })).toEqual(await reference.targetStats({ ...q, bucketSeconds }));
        expect(await migrated.networkStats({ ...q, bucketSeconds })).toEqual(await reference.networkStats({ ...q, bucketSeconds }));
        expect(await migrated.networkStats({ ...q, bucketSeconds, region: "KZ-47" }))
          .toEqual(await reference.networkStats({ ...q, bucketSeconds, region: "KZ-47" }));
      }
    };
    await same();
    expect((await migrated.targetStats({ ...q, bucketSeconds: 3600 })).reduce((n, r) => n + r.total, 0)).toBe(300);
    // Writes after the migration add to the backfilled rows (first and later share hours).
    expect(await migrated.insertMeasurements([...later, ...first.slice(0, 10)])).toEqual({ inserted: 100, duplicates: 10 });
    await reference.insertMeasurements(later);
    await same();
    const db = new BetterSqlite3(oldPath, { readonly: true });
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version); // and on through every later migration
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'rollups_minute'").pluck().get()).toMatch(/PRIMARY KEY \(region, bucket,/);
    db.close();
    await migrated.close();
    await reference.close();
  });
});
