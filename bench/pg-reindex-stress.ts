// Redeliveries (INSERT … ON CONFLICT DO NOTHING through PostgresStore.insertMeasurements, 50 stored rows + 10 new
// ones a batch) into a day partition while its primary key is rebuilt by REINDEX INDEX CONCURRENTLY again and
// again (what compaction.ts does once per closed day): counts failed batches and checks no new row is lost.
//   npx tsx bench/pg-reindex-stress.ts [seconds]
import { PostgresStore } from "../src/store/postgres/store.js";
import { startCluster } from "../tests/helpers/postgres.js";
import { createDatabase } from "./ingest-postgres.js";
import { fixtureMeasurement } from "../tests/fixtures/measurement.js";
import pg from "pg";
import { rmSync } from "node:fs";

const cluster = await startCluster({ durable: false });
const url = await createDatabase(cluster, "stress");
const store = new PostgresStore(url);
await store.migrate();
const from = Date.parse("2025-06-01T00:00:00Z");
const rows = Array.from({ length: 20000 }, (_, i) => fixtureMeasurement({ startedAt: new Date(from + i * 3000).toISOString() }));
for (let i = 0; i < rows.length; i += 1000) await store.insertMeasurements(rows.slice(i, i + 1000));
const c = new pg.Client({ connectionString: url });
await c.connect();
let stop = false;
let reindexes = 0;
const reindexer = (async () => {
  while (!stop) {
    await c.query("REINDEX INDEX CONCURRENTLY measurements_p20250601_pkey");
    reindexes++;
  }
})();
let batches = 0, errors = 0, inserted = 0;
const msgs = new Set<string>();
const t0 = Date.now();
while (Date.now() - t0 < Number(process.argv[2] ?? 30) * 1000) {
  const dup = Array.from({ length: 50 }, () => rows[Math.floor(Math.random() * rows.length)]!);
  const fresh = Array.from({ length: 10 }, (_, i) => fixtureMeasurement({ startedAt: new Date(from + 3600_000 + batches * 10 + i).toISOString() }));
  try {
    const r = await store.insertMeasurements([...new Map([...dup, ...fresh].map((m) => [m.id, m])).values()]);
    inserted += r.inserted;
  } catch (err) {
    errors++;
    msgs.add(String((err as Error).message));
  }
  batches++;
}
stop = true;
await reindexer;
console.log({ reindexes, batches, errors, inserted, expectedInserted: batches * 10, msgs: [...msgs] });
await c.end();
await store.close();
cluster.stop();
rmSync(cluster.dir, { recursive: true, force: true });
