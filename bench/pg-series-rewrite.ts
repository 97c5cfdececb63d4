// For bench/pg-read-compare.ts: migrates a copy of a bench/api-postgres.ts cluster to this checkout's schema and
// rewrites its rows with name ids into the series form (as rows are written since PostgreSQL migration 7), then
// VACUUM FULL, so reads can be compared on series rows (the generator writes rows with name ids).
//   npx tsx bench/pg-series-rewrite.ts DATA_DIR   (the rows are rewritten: use a copy of the data dir)
import { PostgresStore } from "../src/store/postgres/store.js";
import { startCluster } from "../tests/helpers/postgres.js";
const cluster = await startCluster({ durable: true, dataDir: process.argv[2] ?? "", conf: ["shared_buffers = 512MB", "max_wal_size = 8GB"] });
try {
  const store = new PostgresStore(`postgres://postgres@127.0.0.1:${cluster.port}/bench_api`);
  let t = performance.now();
  await store.migrate();
  console.log(`migrate ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const cols = "region_ref, network_ref, probe_ref, role_ref, url_ref, list_ref, category_ref, kind_ref";
  t = performance.now();
  await store.pool.query(`INSERT INTO series (${cols}, asn) SELECT DISTINCT ${cols}, asn FROM measurements WHERE series_ref IS NULL AND region_ref IS NOT NULL ON CONFLICT DO NOTHING`);
  await store.pool.query(`UPDATE measurements m SET series_ref = s.id, network_ref = NULL, probe_ref = NULL, role_ref = NULL, url_ref = NULL,
    list_ref = NULL, category_ref = NULL, kind_ref = NULL, asn = NULL FROM series s
    WHERE ${cols.split(", ").map((c) => `s.${c} = m.${c}`).join(" AND ")} AND COALESCE(s.asn, -1) = COALESCE(m.asn, -1) AND m.series_ref IS NULL`);
  await store.pool.query("VACUUM FULL measurements");
  await store.pool.query("ANALYZE");
  const r = await store.pool.query("SELECT COUNT(*) FILTER (WHERE series_ref IS NOT NULL) AS s, COUNT(*) AS n, (SELECT COUNT(*) FROM series) AS series FROM measurements");
  console.log(r.rows[0], `rewrite ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await store.close();
} finally {
  cluster.stop();
}
