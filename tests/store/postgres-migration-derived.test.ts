// PostgreSQL migration 6 (src/store/postgres/migration-derived.ts) on a version-5 database holding rows in every
// form: text rows with their legacy minute rows (before migration 4), rows with ids and their appended minute rows
// (two batches into one key-minute), minute rows of measurements retention already removed, a minute that raw
// retention split (some of its rows removed, some live), or minute rows pruned before their raw rows. Every
// per-target and network read answers as SQLite does after the same measurements and the same pruning, before
// and after new rows arrive; no measurement row is rewritten.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Measurement } from "../../src/measurement.js";
import { PG_MIGRATIONS } from "../../src/store/postgres/migrations.js";
import { Partitions, dayOf } from "../../src/store/postgres/partitions.js";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/store.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { adminQuery } from "../helpers/postgres.js";
import { expectRowsClose } from "./contract-stats.js";
import { insertLegacyPgMeasurements, insertVersion5Measurements } from "./postgres-legacy-rows.js";
import { databaseAtVersion, storesClosedAfterEach } from "./postgres-migration-setup.js";
import { BASE, measurements } from "./postgres-reads.js";

const MIN = 60_000;

/** A second measurement of one key in round 4's minute (kz-10-1, site0 at +7 s): a key-minute of two rows. */
const second = (): Measurement => fixtureMeasurement({ region: "KZ-10", network: "kt-fixed", probeId: "kz-10-1",
  url: "https://site0.example.kz/", list: "whitelisted", category: "GOVT", startedAt: new Date(BASE + 20 * MIN + 37_000).toISOString(),
  accessible: false, blocking: "dns", handshakeTime: 0.031, bytesPerSecond: 512_345.25 });
const late = (): Measurement => fixtureMeasurement({ region: "KZ-10", network: "kt-fixed", probeId: "kz-10-1",
  url: "https://site0.example.kz/", list: "whitelisted", category: "GOVT", startedAt: new Date(BASE + 37_000).toISOString(),
  accessible: false, blocking: "tcp", handshakeTime: 0.02 });

async function expectSameStats(pg: Store, sqlite: Store): Promise<void> {
  const since = new Date(BASE - 3600_000);
  const until = new Date(BASE + 3 * 3600_000);
  for (const bucketSeconds of [60, 300, 3600, 30]) {
    for (const region of [undefined, "KZ-10", "KZ-99"]) {
      const q = { since, until, bucketSeconds, ...(region ? { region } : {}) };
      expectRowsClose(await pg.targetStats(q), await sqlite.targetStats(q));
      expectRowsClose(await pg.networkStats(q), await sqlite.networkStats(q));
    }
  }
}

interface Scenario {
  name: string;
  /** Raw retention's cutoff at version 5. */
  rawCutoff: number;
  /** Per-target minute retention's cutoff at version 5, if it ran. */
  minuteCutoff: number | null;
}

const SCENARIOS: Scenario[] = [
  // Round 4's rows at +7..16 s go, the second row of kz-10-1/site0 at +37 s stays: a split minute.
  { name: "raw retention split a minute (minute rows kept longer than raw rows)", rawCutoff: BASE + 20 * MIN + 20_000, minuteCutoff: null },
  // Minute rows up to 10:21 pruned while raw rows from 10:05 on are still there.
  { name: "minute rows were pruned before their raw rows", rawCutoff: BASE + 5 * MIN, minuteCutoff: BASE + 22 * MIN },
];

describe("PostgreSQL migration 6: per-target minute stats from live rows, stored minute rows only for removed ones", () => {
  const stores = storesClosedAfterEach();
  let dir: string | null = null;
  let sqlite: SqliteStore | null = null;
  afterEach(async () => {
    await sqlite?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    [dir, sqlite] = [null, null];
  });

  it.each(SCENARIOS)("$name: answers as SQLite before and after new rows, nothing rewritten", async ({ rawCutoff, minuteCutoff }) => {
    const all = measurements();
    const round = (r: number) => all.filter((m) => {
      const t = Date.parse(m.startedAt);
      return t >= BASE + r * 5 * MIN && t < BASE + (r + 1) * 5 * MIN;
    });
    const legacy = [0, 1, 2, 3].flatMap(round);
    const v5 = [round(4), [second()]]; // two batches: the key-minute gets two appended rows
    const v6 = [...round(5), late()];

    dir = mkdtempSync(join(tmpdir(), "kw-derived-"));
    sqlite = new SqliteStore(join(dir, "reference.sqlite"));
    await sqlite.migrate();
    for (const b of [legacy, ...v5]) await sqlite.insertMeasurements(b);
    await sqlite.pruneMeasurements(new Date(rawCutoff));
    if (minuteCutoff !== null) await sqlite.pruneTargetMinuteRollups(new Date(minuteCutoff));

    // Version 5 as its stores wrote it: legacy text rows (version 3), then rows with ids and their minute rows.
    const url = await databaseAtVersion(3, async (pool) => {
      await new Partitions(pool).ensure([dayOf(BASE)]);
      await insertLegacyPgMeasurements(pool, legacy);
    });
    await databaseAtVersion(5, async (pool) => {
      for (const b of v5) await insertVersion5Measurements(pool, b);
    }, url);
    // Version 5's retention: raw rows by time (rollups untouched), minute rows by whole minutes.
    await adminQuery(url, "DELETE FROM measurements WHERE started_ms < $1", [rawCutoff]);
    if (minuteCutoff !== null) {
      for (const t of ["rollups_minute", "legacy_rollups_minute"]) {
        await adminQuery(url, `DELETE FROM ${t} WHERE bucket <= $1`, [Math.floor(minuteCutoff / 1000) - 60]);
      }
    }
    const rows = () => adminQuery(url, "SELECT id::text AS id, ctid::text AS ctid FROM measurements ORDER BY id");
    const before = await rows();
    expect(before.length).toBeGreaterThan(0);

    const migrated = new PostgresStore(url, { streamPageSize: 7 });
    stores.push(migrated);
    await migrated.migrate();
    expect(await adminQuery(url, "SELECT MAX(version)::int AS v FROM schema_version")).toEqual([{ v: PG_MIGRATIONS.length }]);
    expect(await rows()).toEqual(before);
    await expectSameStats(migrated, sqlite);

    // No stored minute row is left beside a live row of its key-minute, but for the split one (its gone part).
    expect(await adminQuery(url, `SELECT COUNT(DISTINCT r.ctid)::int AS n FROM rollups_minute r JOIN measurements m
      ON m.region_ref = r.region_ref AND m.network_ref = r.network_ref AND m.probe_ref = r.probe_ref AND m.url_ref = r.url_ref
        AND m.list_ref = r.list_ref AND m.role_ref = r.role_ref AND m.started_ms / 60000 * 60 = r.bucket`)).toEqual([{ n: minuteCutoff === null ? 1 : 0 }]);
    const horizon = (await adminQuery<{ ms: string }>(url, "SELECT since_ms AS ms FROM target_minute_horizon"))[0]!.ms;
    const splitMinute = await adminQuery(url, `SELECT total, ok, blocked_dns, throughput_count, tls_handshake_count FROM rollups_minute
      WHERE bucket = $1 AND probe_ref = (SELECT id FROM names WHERE name = 'kz-10-1')
        AND url_ref = (SELECT id FROM names WHERE name = 'https://site0.example.kz/')`, [(BASE + 20 * MIN) / 1000]);
    if (minuteCutoff === null) {
      expect(Number(horizon)).toBeLessThan(BASE - 86_400_000);
      // The split minute: what is gone of it (the round-4 row at +7 s), the live row at +37 s read from itself.
      const gone = round(4).find((m) => m.probe.id === "kz-10-1" && m.target.url === "https://site0.example.kz/")!;
      expect(splitMinute).toEqual([{ total: 1, ok: gone.verdict.accessible ? 1 : null, blocked_dns: null,
        throughput_count: gone.throughput ? 1 : null, tls_handshake_count: 1 }]);
    } else {
      // Round 4's minute rows went before its raw rows: the horizon moved past 10:20, as SQLite's minute rows did.
      expect(Number(horizon)).toBe(BASE + 21 * MIN);
      expect(splitMinute).toEqual([]);
    }

    // New rows, one of them late into a legacy key-minute (older than both cutoffs): counted once at every grain.
    await migrated.insertMeasurements(v6);
    await sqlite.insertMeasurements(v6);
    if (minuteCutoff !== null) {
      // What the next retention run does: SQLite's late minute row goes, PostgreSQL's late row was never a minute stat.
      expect(await sqlite.pruneTargetMinuteRollups(new Date(minuteCutoff))).toBe(1);
      expect(await migrated.pruneTargetMinuteRollups(new Date(minuteCutoff))).toBe(0);
    }
    await expectSameStats(migrated, sqlite);
  }, 180_000);
});
