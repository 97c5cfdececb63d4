// How long PostgreSQL migration 4 (src/store/postgres/migration-slim.ts) takes on a database that holds N rows
// in the version-3 form (text facts) plus one per-target minute rollup row each: it rewrites no row, so the
// time is the two index builds over the old rows and the catalog changes. Private cluster, fsync on.
//   npx tsx bench/pg-migration-4.ts [rows]
import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import pg from "pg";
import { applyPgMigrations, PG_MIGRATIONS } from "../src/store/postgres/migrations.js";
import { Partitions } from "../src/store/postgres/partitions.js";
import { createPool } from "../src/store/postgres/pool.js";
import { PostgresStore } from "../src/store/postgres/store.js";
import { startCluster } from "../tests/helpers/postgres.js";

const N = Number(process.argv[2] ?? 400000);
const cluster = await startCluster({ durable: true });
try {
  const url = cluster.adminUrl;
  const pool = createPool(url);
  await applyPgMigrations(pool, PG_MIGRATIONS.filter((m) => m.version <= 3));
  const base = Date.parse("2026-11-01T00:00:00Z");
  await new Partitions(pool).ensure([Math.floor(base / 86400000), Math.floor(base / 86400000) + 1]);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`INSERT INTO measurements (started_ms, id, asn, tls_handshake_time, accessible, local_failure, probe_id, role, region,
      network, network_kind, url, list, category, started_at, received_at, raw)
    SELECT ${base} + n * 100, ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, 9198, 0.05, true, false,
      'probe-' || (n % 35), 'region', 'KZ-' || (n % 17), 'kt-fixed', 'fixed', 'https://site' || (n % 60) || '.example.kz/', 'whitelisted', 'GOVT',
      to_char(to_timestamp((${base} + n * 100) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), NULL, '{"version":1}'
    FROM generate_series(0, ${N - 1}) n`);
  await c.query(`INSERT INTO rollups_minute SELECT region, started_ms / 60000 * 60, network, probe_id, list, url, role, MIN(category),
      COUNT(*), COUNT(*), 0, 0, 0, 0, 0, 0, 0, 0, 0, SUM(tls_handshake_time), COUNT(*), MAX(started_ms)
    FROM measurements GROUP BY region, started_ms / 60000 * 60, network, probe_id, list, url, role`);
  await c.query("VACUUM ANALYZE");
  const rows = (await c.query("SELECT (SELECT COUNT(*) FROM measurements) AS m, (SELECT COUNT(*) FROM rollups_minute) AS r")).rows[0];
  await c.end();
  await pool.end();
  const load0 = loadavg()[0];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const store = new PostgresStore(url);
  await store.migrate();
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  console.log(JSON.stringify({ measurements: Number(rows.m), rollupsMinute: Number(rows.r), migrateSeconds: Number(seconds.toFixed(2)),
    secondsPerMillionRows: Number((seconds / (Number(rows.m) / 1e6)).toFixed(1)), load: [load0, loadavg()[0]] }));
} finally {
  cluster.stop();
  rmSync(cluster.dir, { recursive: true, force: true });
}
