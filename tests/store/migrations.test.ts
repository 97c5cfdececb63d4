import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import BetterSqlite3 from "better-sqlite3";
import { MIGRATIONS, applyMigrations, schemaVersion, type Migration } from "../../src/store/migrations.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { fillLegacyRollups, fillVersion1Rollups, insertLegacyMeasurements } from "./legacy-rows.js";
import { measurementSchema, type Measurement } from "../../src/measurement.js";
import { deployment, realisticMeasurement, seededRandom } from "../../bench/realistic-measurements.js";

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

  it("versions 2 and 3 carry a version-1 database forward: minute rollups re-keyed, hour and network rollups backfilled", async () => {
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
    insertLegacyMeasurements(old, first);
    fillVersion1Rollups(old);
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
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'rollups_minute'").pluck().get()).toMatch(/PRIMARY KEY \(region_ref, bucket,/);
    db.close();
    await migrated.close();
    await reference.close();
  });
});

describe("migration 3: roles kept apart in per-target rollups", () => {
  it("rebuilds rollups from raw where raw covers whole buckets, keeps older buckets, and adds received_at", async () => {
    // A version-2 database as the old writer left it: one probe uploaded forged "control" rows next to its
    // own "region" rows, and the old key (no role) summed them into one rollup row per target and minute.
    const rawStart = Date.parse("2025-02-02T00:00:30Z");
    const mk = (i: number, role: "region" | "control") => fixtureMeasurement({
      startedAt: new Date(rawStart + i * 20_000).toISOString(), probeId: "p47", region: "KZ-47", role,
      url: `https://t${i % 3}.test/`, accessible: role === "region", handshakeTime: 0.25,
    });
    const raw = [...Array.from({ length: 600 }, (_, i) => mk(i, "region")), ...Array.from({ length: 600 }, (_, i) => mk(i, "control"))];
    const reference = new SqliteStore(join(dir, "reference.sqlite"));
    await reference.migrate();
    await reference.insertMeasurements(raw);
    await reference.close();

    const path = join(dir, "v2.sqlite");
    const db = new BetterSqlite3(path);
    applyMigrations(db, MIGRATIONS.filter((m) => m.version <= 2));
    insertLegacyMeasurements(db, raw);
    const sums = `SUM(total), SUM(ok), SUM(down), SUM(blocked_dns), SUM(blocked_tcp), SUM(blocked_tls), SUM(blocked_http_failure),
      SUM(blocked_http_diff), SUM(dns_failures), SUM(throughput_sum), SUM(throughput_count), SUM(tls_handshake_sum), SUM(tls_handshake_count), MAX(last_ms)`;
    const cols = `region, bucket, network, probe_id, list, url, role, category, total, ok, down, blocked_dns, blocked_tcp, blocked_tls,
      blocked_http_failure, blocked_http_diff, dns_failures, throughput_sum, throughput_count, tls_handshake_sum, tls_handshake_count, last_ms`;
    // The merged rows the old writer made (role: whichever came first), computed from the raw rows.
    for (const [table, width] of [["rollups_minute", 60], ["rollups_hour", 3600]] as const) {
      db.exec(`INSERT INTO ${table} (${cols})
        SELECT region, (started_ms / ${width * 1000}) * ${width}, network, probe_id, list, url, MIN(role), MIN(category),
          COUNT(*), SUM(accessible), SUM(accessible = 0 AND blocking IS NULL), 0, 0, 0, 0, 0, 0, 0, 0,
          TOTAL(tls_handshake_time), COUNT(tls_handshake_time), MAX(started_ms)
        FROM measurements GROUP BY region, (started_ms / ${width * 1000}) * ${width}, network, probe_id, list, url`);
      // Older buckets whose raw rows retention already pruned: only the rollups remain.
      db.prepare(`INSERT INTO ${table} (${cols}) VALUES ('KZ-47', ?, 'kt-fixed', 'p47', 'whitelisted', 'https://old.test/', 'region', 'gov',
        7, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ?)`).run(Date.parse("2025-01-01T00:00:00Z") / 1000, Date.parse("2025-01-01T00:00:10Z"));
    }
    const oldRows = db.prepare("SELECT * FROM rollups_minute WHERE bucket < ? ORDER BY bucket, url").all(Date.parse("2025-02-02T00:01:00Z") / 1000);
    // Version 3's own layout is inspected before version 6 re-keys the tables by name ids.
    applyMigrations(db, MIGRATIONS.filter((m) => m.version <= 3));
    const after = db;
    expect(after.prepare("SELECT sql FROM sqlite_master WHERE name = 'rollups_minute'").pluck().get()).toMatch(/PRIMARY KEY \(region, bucket, network, probe_id, list, url, role\)/);
    expect(after.prepare("SELECT sql FROM sqlite_master WHERE name = 'rollups_hour'").pluck().get()).toMatch(/url, role\)/);
    // Buckets before the first whole raw bucket are kept exactly as they were (the pruned one included).
    expect(after.prepare("SELECT * FROM rollups_minute WHERE bucket < ? ORDER BY bucket, url").all(Date.parse("2025-02-02T00:01:00Z") / 1000)).toEqual(oldRows);
    expect(after.prepare("SELECT total FROM rollups_hour WHERE url = 'https://old.test/'").pluck().all()).toEqual([7]);
    // From there on, each role has its own rows, with exactly the raw counts.
    const perRole = (table: string, from: string) => after.prepare(`SELECT role, ${sums} FROM ${table} WHERE bucket >= ? GROUP BY role ORDER BY role`)
      .raw(true).all(Date.parse(from) / 1000);
    const rawPerRole = (from: string) => after.prepare(`SELECT role, COUNT(*), SUM(accessible) FROM measurements WHERE started_ms >= ? GROUP BY role ORDER BY role`)
      .raw(true).all(Date.parse(from));
    for (const [table, from] of [["rollups_minute", "2025-02-02T00:01:00Z"], ["rollups_hour", "2025-02-02T01:00:00Z"]] as const) {
      const rows = perRole(table, from) as unknown[][];
      expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual(rawPerRole(from));
      expect(rows.map((r) => r[0])).toEqual(["control", "region"]);
    }
    db.close();

    const store = new SqliteStore(path);
    await store.migrate();
    // A control read no longer sees region rows: what the detector's control view is built from.
    const stats = await store.targetStats({ since: new Date("2025-02-02T00:01:00Z"), until: new Date("2025-02-03T00:00:00Z"), bucketSeconds: 60 });
    expect(stats.filter((r) => r.role === "control").every((r) => r.ok === 0)).toBe(true);
    expect(stats.filter((r) => r.role === "region").every((r) => r.ok === r.total)).toBe(true);
    // received_at exists; old rows have none, new rows keep the server's receive time.
    expect((await store.measurementFacts({ probeId: "p47" }))[0]?.receivedAt).toBeNull();
    const fresh = { ...fixtureMeasurement({ probeId: "p48", startedAt: "2025-02-03T00:00:00.000Z" }), receivedAt: "2025-02-03T00:00:05.000Z" };
    await store.insertMeasurements([fresh]);
    expect((await store.measurementFacts({ probeId: "p48" }))[0]?.receivedAt).toBe("2025-02-03T00:00:05.000Z");
    await store.close();
  });
});

describe("migration 6: compact storage", () => {
  /** Probe-shaped measurements, some of them odd: upper-case id, start without milliseconds, micro-second receive time, a local outage. */
  function oddMix(n: number): Measurement[] {
    const rand = seededRandom(5);
    const d = deployment(3, 8, seededRandom(6));
    const base = Date.parse("2026-11-01T00:00:00Z");
    return Array.from({ length: n }, (_, i) => {
      const m = realisticMeasurement(d, i % d.probes.length, i % 8, base + i * 7_000, randomUUID(), rand);
      // Binary fractions: rollup sums agree exactly whatever the order of addition.
      if (m.check.tls[0]?.handshakeTime) m.check.tls[0].handshakeTime = (i % 8) / 16;
      if (m.throughput) m.throughput.bytesPerSecond = 1_000_000 + i;
      if (i % 50 === 1) m.id = randomUUID().toUpperCase();
      if (i % 50 === 2) m.startedAt = new Date(base + i * 7_000 - ((base + i * 7_000) % 1000)).toISOString().replace(".000Z", "Z");
      if (i % 50 === 3) m.receivedAt = "2026-11-01T01:02:03.123456Z";
      if (i % 50 === 4) delete m.receivedAt;
      if (i % 50 === 5) m.local = { gateway: "unreachable", resolver: "ok" };
      if (i % 50 === 6 && m.check.http?.hops[0]) m.check.http.hops[0].title = "Қолжетімділік шектелген 🚫 ".repeat(500);
      return measurementSchema.parse(m);
    });
  }

  it("converts a version-5 database: every measurement decodes to its stored JSON text, facts and rollups unchanged", async () => {
    const all = oddMix(600);
    const path = join(dir, "v5.sqlite");
    const db = new BetterSqlite3(path);
    applyMigrations(db, MIGRATIONS.filter((m) => m.version <= 5));
    insertLegacyMeasurements(db, all);
    fillLegacyRollups(db);
    // A bucket whose raw rows retention already pruned: only its rollup rows remain.
    const oldBucket = Date.parse("2026-10-01T00:00:00Z") / 1000;
    db.prepare(`INSERT INTO rollups_minute (region, bucket, network, probe_id, list, url, role, category, total, ok, down, blocked_dns,
      blocked_tcp, blocked_tls, blocked_http_failure, blocked_http_diff, dns_failures, throughput_sum, throughput_count,
      tls_handshake_sum, tls_handshake_count, last_ms) VALUES ('KZ-10', ?, 'kcell-mobile', 'gone-probe', 'whitelisted',
      'https://pruned.test/', 'region', 'NEWS', 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, 2, ?)`).run(oldBucket, oldBucket * 1000 + 42_000);
    const stored = new Map((db.prepare("SELECT id, json FROM measurements").all() as { id: string; json: string }[]).map((r) => [r.id, r.json]));
    db.close();

    const reference = new SqliteStore(join(dir, "reference.sqlite"));
    await reference.migrate();
    await reference.insertMeasurements(all);
    const store = new SqliteStore(path, { streamPageSize: 64 });
    await store.migrate();
    const after = new BetterSqlite3(path, { readonly: true });
    expect(schemaVersion(after)).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version); // 6 and every later step (7: analysts)
    expect(after.prepare("SELECT COUNT(*) FROM pragma_table_info('measurements') WHERE name = 'json'").pluck().get()).toBe(0);
    expect(after.prepare("SELECT COUNT(*) FROM measurements").pluck().get()).toBe(all.length);
    after.close();

    // Exactly what was stored: the JSON text itself, through getMeasurement and through the stream.
    for (const m of all) expect(JSON.stringify(await store.getMeasurement(m.id))).toBe(stored.get(m.id));
    const streamed: string[] = [];
    for await (const m of store.streamMeasurements({})) streamed.push(JSON.stringify(m));
    expect(streamed.length).toBe(all.length);
    expect(new Set(streamed)).toEqual(new Set(stored.values()));
    const starts = streamed.map((j) => Date.parse((JSON.parse(j) as Measurement).startedAt));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    // Facts, rollups and last seen: the same as a store that was always at version 6 (plus the pruned bucket).
    expect(await store.measurementFacts({})).toEqual(await reference.measurementFacts({}));
    expect(await store.measurementFacts({ region: "KZ-11", probeId: all[3]!.probe.id })).toEqual(
      await reference.measurementFacts({ region: "KZ-11", probeId: all[3]!.probe.id }));
    const q = { since: new Date("2026-11-01T00:00:00Z"), until: new Date("2026-11-02T00:00:00Z") };
    for (const bucketSeconds of [30, 60, 300, 3600]) {
      expect(await store.targetStats({ ...q, bucketSeconds })).toEqual(await reference.targetStats({ ...q, bucketSeconds }));
      expect(await store.networkStats({ ...q, bucketSeconds })).toEqual(await reference.networkStats({ ...q, bucketSeconds }));
    }
    expect(await store.lastSeen()).toEqual(await reference.lastSeen());
    const pruned = await store.targetStats({ since: new Date(oldBucket * 1000), until: new Date(oldBucket * 1000 + 60_000), bucketSeconds: 60 });
    expect(pruned).toMatchObject([{ probeId: "gone-probe", url: "https://pruned.test/", category: "NEWS", total: 3, lastAt: "2026-10-01T00:00:42.000Z" }]);
    // Converted ids still deduplicate (the upper-case one kept as text, the others packed).
    expect(await store.insertMeasurements(all.slice(0, 60))).toEqual({ inserted: 0, duplicates: 60 });
    await store.migrate();
    await store.close();
    await reference.close();
  });
});
