// Two checkouts' PostgresStore.insertMeasurements side by side in ONE process, against one real PostgreSQL,
// alternating batch by batch: the before/after for a change to the store's ingest (src/store/postgres/) without
// the queue around it (bench/collector-compare.ts has the whole collector; its BullMQ and validation share
// dilutes a store-side change on a busy machine). Each batch is 1,000 new realistic measurements
// (bench/ingest-measurement.ts) built before the clock starts; charged: this process's CPU during the call
// (preparing rows, the codec, parameters, results) and the PostgreSQL cluster's (/proc), in µs per measurement.
// Run it both ways round (A B, then B A): in one process the client figure leaned towards one position by 2–13 %
// in runs at load 6–7 (the PostgreSQL figure held), so read the mean of the two orders, or whole runs
// (bench/ingest-compare.ts) for the client. A checkout is a directory with this repository's files and node_modules (e.g. `git archive <commit> | tar -x -C
// DIR` and a symlink to node_modules).
//   npx tsx bench/pg-insert-compare.ts DIR_A DIR_B [batches per checkout]
import { join, resolve } from "node:path";
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import type { Measurement } from "../src/measurement.js";
import { startCluster } from "../tests/helpers/postgres.js";
import { benchPostgresConf, createDatabase, postmasterPid } from "./ingest-postgres.js";
import { realisticMeasurement } from "./ingest-measurement.js";
import { ownCpuSeconds, treesCpu } from "./process-cpu.js";

interface Checkout {
  name: "A" | "B";
  // The checkout's own store class (typed loosely: two copies of the same source).
  store: { migrate(): Promise<void>; close(): Promise<void>; insertMeasurements(b: Measurement[]): Promise<{ inserted: number }> };
  client: number;
  postgres: number;
  measurements: number;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dirs = [resolve(process.argv[2]!), resolve(process.argv[3]!)];
  const batches = Number(process.argv[4] ?? 30);
  const cluster = await startCluster({ durable: true, conf: benchPostgresConf() });
  const url = await createDatabase(cluster, `insert_compare_${Date.now()}`);
  const checkouts: Checkout[] = [];
  for (const [i, dir] of dirs.entries()) {
    const { PostgresStore } = await import(pathToFileURL(join(dir, "src/store/postgres/store.ts")).href);
    checkouts.push({ name: i === 0 ? "A" : "B", store: new PostgresStore(url), client: 0, postgres: 0, measurements: 0 });
  }
  const postgresCpu = treesCpu(() => [postmasterPid(cluster)]);
  const base = Date.parse("2025-01-05T00:00:00Z");
  let next = 0;
  const loads: number[] = [];
  try {
    await checkouts[0]!.store.migrate();
    // Batch 0 of each is a warm-up (first compilation, names and series interned, plans), not counted.
    for (let b = 0; b <= batches; b++) {
      for (const c of b % 2 === 0 ? checkouts : [...checkouts].reverse()) {
        const batch = Array.from({ length: 1000 }, (_, i) => realisticMeasurement(next + i, base));
        next += 1000;
        const c0 = ownCpuSeconds();
        const p0 = postgresCpu();
        const { inserted } = await c.store.insertMeasurements(batch);
        const c1 = ownCpuSeconds();
        const p1 = postgresCpu();
        if (inserted !== batch.length) throw new Error(`${c.name}: stored ${inserted} of ${batch.length}`);
        if (b > 0) {
          c.client += c1 - c0;
          c.postgres += p1 - p0;
          c.measurements += batch.length;
          loads.push(loadavg()[0]!);
        }
      }
    }
  } finally {
    for (const c of checkouts) await c.store.close();
    cluster.stop();
  }
  const us = (s: number, n: number) => Math.round((s / n) * 1e6 * 10) / 10;
  console.log(`A=${dirs[0]}\nB=${dirs[1]}\n${batches} batches of 1,000 per checkout, alternating; load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
  console.log("checkout  client µs  postgres µs  total µs  (CPU per measurement)");
  const rows = checkouts.map((c) => {
    const t = { client: us(c.client, c.measurements), postgres: us(c.postgres, c.measurements) };
    console.log(`${c.name.padEnd(9)} ${String(t.client).padEnd(10)} ${String(t.postgres).padEnd(12)} ${Math.round((t.client + t.postgres) * 10) / 10}`);
    return t;
  });
  console.log(`B/A: client ${(rows[1]!.client / rows[0]!.client).toFixed(2)}, postgres ${(rows[1]!.postgres / rows[0]!.postgres).toFixed(2)}`);
}
