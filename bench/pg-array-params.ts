// The measurements INSERT of PostgreSQL ingest (src/store/postgres/ingest.ts) with its unnest() parameters sent
// two ways, alternating batch by batch on one connection to a real PostgreSQL: as node-postgres's text arrays
// (every element quoted, every bytea hex-escaped; parsed back by array_in) and as binary arrays
// (src/store/postgres/binary-array.ts). Each batch is 1,000 new realistic measurements (bench/ingest-measurement.ts)
// whose row values are computed before the clock starts (the deflate is the same either way), so the figures are
// what the parameters cost: this process's CPU (conversion, bind message, the RETURNING rows) and the backend's
// (from /proc), in µs per row. A second table times the conversion alone on the last batch's values (node-postgres's
// prepareValue and bind message vs binaryArray and the same bind message, alternating, no server): the per-batch
// client figure also carries GC and the result, and moves more from run to run. The machine is shared: compare the
// columns of one run, not runs.
//   npx tsx bench/pg-array-params.ts [batches per variant]
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { serialize } from "pg-protocol";
import { createRequire } from "node:module";
import { binaryArray } from "../src/store/postgres/binary-array.js";
import { INSERT_MEASUREMENTS, prepareRows, batchNames } from "../src/store/postgres/ingest.js";
import { INSERT_TYPES, insertValues } from "../src/store/postgres/measurement-row.js";
import { PostgresStore } from "../src/store/postgres/store.js";
import { dayOf } from "../src/store/postgres/partitions.js";
import { startCluster } from "../tests/helpers/postgres.js";
import { benchPostgresConf, createDatabase } from "./ingest-postgres.js";
import { realisticMeasurement } from "./ingest-measurement.js";
import { ownCpuSeconds, readProcStat } from "./process-cpu.js";

type Variant = "text" | "binary";
// node-postgres's own conversion of a parameter (lib/utils.js; not in its typings).
const pgUtils = createRequire(import.meta.url)("pg/lib/utils.js") as { prepareValue(v: unknown): unknown };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const batches = Number(process.argv[2] ?? 20);
  const cluster = await startCluster({ durable: true, conf: benchPostgresConf() });
  const store = new PostgresStore(await createDatabase(cluster, `array_params_${Date.now()}`));
  const client = await store.pool.connect();
  const base = Date.parse("2025-01-05T00:00:00Z");
  const used: Record<Variant, { client: number; backend: number; rows: number }> = {
    text: { client: 0, backend: 0, rows: 0 }, binary: { client: 0, backend: 0, rows: 0 } };
  let lastCols: unknown[][] = [];
  try {
    await store.migrate();
    const backendPid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    const backendSeconds = () => readProcStat(backendPid)!.ticks / 100;
    let next = 0;
    // Batch 0 of each is a warm-up (plan, JIT of this process), not counted.
    for (let b = 0; b <= batches; b++) {
      for (const variant of (b % 2 === 0 ? ["text", "binary"] : ["binary", "text"]) as Variant[]) {
        const rows = prepareRows(Array.from({ length: 1000 }, (_, i) => realisticMeasurement(next + i, base)));
        next += 1000;
        await store.ensurePartitions(rows.map((r) => dayOf(r.ms)));
        await store.nameTable.intern(batchNames(rows));
        const refs = await store.seriesTable.intern(rows.map((r) => r.f), store.nameTable);
        const cols = INSERT_TYPES.map(() => new Array<unknown>(rows.length));
        rows.forEach((r, i) => insertValues(r.m, r.f, r.ms, store.nameTable, refs[i]!).forEach((v, c) => (cols[c]![i] = v)));
        lastCols = cols;
        const c0 = ownCpuSeconds();
        const s0 = backendSeconds();
        const values: unknown[] = variant === "binary" ? cols.map((col, c) => binaryArray(INSERT_TYPES[c]!, col)) : cols;
        const res = await client.query({ name: `bench_insert_${variant}`, text: INSERT_MEASUREMENTS, values });
        const c1 = ownCpuSeconds();
        const s1 = backendSeconds();
        if (res.rowCount !== rows.length) throw new Error(`${variant}: stored ${res.rowCount} of ${rows.length}`);
        if (b > 0) {
          used[variant].client += c1 - c0;
          used[variant].backend += s1 - s0;
          used[variant].rows += rows.length;
        }
      }
    }
  } finally {
    client.release();
    await store.close();
    cluster.stop();
  }
  const us = (s: number, n: number) => Math.round((s / n) * 1e6 * 10) / 10;
  console.log(`${batches} batches of 1,000 rows per variant, alternating; load ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  console.log("variant  client µs/row  backend µs/row");
  for (const v of ["text", "binary"] as Variant[]) {
    console.log(`${v.padEnd(8)} ${String(us(used[v].client, used[v].rows)).padEnd(14)} ${us(used[v].backend, used[v].rows)}`);
  }

  // The conversion alone: what node-postgres does with the values before the socket, each way.
  const convert: Record<Variant, () => unknown> = {
    text: () => serialize.bind({ values: lastCols.map((col) => pgUtils.prepareValue(col)) }),
    binary: () => serialize.bind({ values: lastCols.map((col, c) => pgUtils.prepareValue(binaryArray(INSERT_TYPES[c]!, col))) }),
  };
  const spent: Record<Variant, number> = { text: 0, binary: 0 };
  for (let r = 0; r <= 20; r++) {
    for (const v of (r % 2 === 0 ? ["text", "binary"] : ["binary", "text"]) as Variant[]) {
      const c0 = ownCpuSeconds();
      for (let i = 0; i < 10; i++) convert[v]();
      if (r > 0) spent[v] += ownCpuSeconds() - c0;
    }
  }
  console.log(`conversion alone (bind message of the INSERT, ${lastCols[0]!.length} rows, 200 times each, alternating):`);
  for (const v of ["text", "binary"] as Variant[]) console.log(`${v.padEnd(8)} ${us(spent[v], 200 * lastCols[0]!.length)} µs/row`);
}
