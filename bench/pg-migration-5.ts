// How long PostgreSQL migration 5 (src/store/postgres/migration-lean.ts) takes on a database that holds N
// measurement rows in the version-4 form (facts as name ids, a realistic ~370-byte packed value) plus one
// per-target minute rollup row each (a 5-minute schedule): it rewrites no row, so the time is building the
// (bucket, region_ref) index over the minute rows already there and dropping their primary key; measurements
// are not touched. Private cluster, fsync on; the server's CPU is counted too.
//   npx tsx bench/pg-migration-5.ts [rows]
import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import pg from "pg";
import { applyPgMigrations, PG_MIGRATIONS } from "../src/store/postgres/migrations.js";
import { Partitions } from "../src/store/postgres/partitions.js";
import { createPool } from "../src/store/postgres/pool.js";
import { PostgresStore } from "../src/store/postgres/store.js";
import { startCluster } from "../tests/helpers/postgres.js";
import { postmasterPid } from "./ingest-postgres.js";
import { treeCpuSeconds } from "./process-cpu.js";

const N = Number(process.argv[2] ?? 1_000_000);
const DAY = 86_400_000;
const cluster = await startCluster({ durable: true });
try {
  const url = cluster.adminUrl;
  const pool = createPool(url);
  await applyPgMigrations(pool, PG_MIGRATIONS.filter((m) => m.version <= 4));
  const base = Date.parse("2026-11-01T00:00:00Z");
  // 17 regions × 35 probes × 60 targets every 5 minutes: ~600,000 rows a day.
  const spanMs = Math.ceil(N / 2100) * 300_000;
  const days = Array.from({ length: Math.ceil(spanMs / DAY) + 1 }, (_, i) => Math.floor(base / DAY) + i);
  await new Partitions(pool).ensure(days);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query("INSERT INTO names (name) SELECT 'n' || g FROM generate_series(1, 200) g");
  // Rows in time order (as ingest appends them), random uuids, ~370 incompressible-ish packed bytes.
  await c.query(`INSERT INTO measurements (started_ms, id, asn, tls_handshake_time, bytes_per_second, accessible, local_failure,
      region_ref, network_ref, probe_ref, role_ref, url_ref, list_ref, category_ref, kind_ref, received_after_ms, packed)
    SELECT ${base} + (n / 2100) * 300000 + (n % 2100) * 100, gen_random_uuid(), 9198, 0.05, 1000000, true, false,
      1 + n % 17, 18 + n % 2, 20 + n % 35, 60, 61 + n % 60, 130, 131, 132, 1500,
      decode(repeat(md5(n::text), 12), 'hex')
    FROM generate_series(0, ${N - 1}) n`);
  await c.query(`INSERT INTO rollups_minute (bucket, last_ms, throughput_sum, tls_handshake_sum, region_ref, network_ref, probe_ref,
      list_ref, url_ref, role_ref, category_ref, total, ok, throughput_count, tls_handshake_count)
    SELECT started_ms / 60000 * 60, started_ms, bytes_per_second, tls_handshake_time, region_ref, network_ref, probe_ref, list_ref,
      url_ref, role_ref, category_ref, 1, 1, 1, 1 FROM measurements`);
  await c.query("VACUUM ANALYZE");
  const rows = (await c.query("SELECT (SELECT COUNT(*) FROM measurements) AS m, (SELECT COUNT(*) FROM rollups_minute) AS r")).rows[0];
  await c.end();
  await pool.end();
  const load0 = loadavg()[0];
  const server0 = treeCpuSeconds([postmasterPid(cluster)])[0]!;
  const t0 = performance.now();
  const store = new PostgresStore(url);
  await store.migrate();
  const seconds = (performance.now() - t0) / 1000;
  const serverCpu = treeCpuSeconds([postmasterPid(cluster)])[0]! - server0;
  await store.close();
  console.log(JSON.stringify({ measurements: Number(rows.m), rollupsMinute: Number(rows.r), migrateSeconds: Number(seconds.toFixed(2)),
    serverCpuSeconds: Number(serverCpu.toFixed(2)), secondsPerMillionRows: Number((seconds / (Number(rows.m) / 1e6)).toFixed(1)),
    load: [load0, loadavg()[0]] }));
} finally {
  cluster.stop();
  rmSync(cluster.dir, { recursive: true, force: true });
}
