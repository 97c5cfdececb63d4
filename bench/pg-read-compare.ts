// Two PostgreSQL schemas side by side: the store calls bench/api-postgres.ts times (the detector's per-target
// minute reads, the targets API's, the detector's evidence read and the timeline as controls), alternated on
// two clusters in one run, each read through its own checkout's PostgresStore, with the median of each and
// their ratio (this checkout / the other). Both clusters come from bench/api-postgres.ts runs (the same rounds);
// this checkout migrates its copy on open (the migration is timed). Also EXPLAIN (ANALYZE, BUFFERS) of this
// checkout's live per-target minute read of one region's day.
//   npx tsx bench/pg-read-compare.ts OTHER_CHECKOUT OTHER_DATA_DIR THIS_DATA_DIR [runs]
import { loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PostgresStore } from "../src/store/postgres/store.js";
import { liveMinuteSums } from "../src/store/postgres/target-minutes.js";
import type { Store } from "../src/store/store.js";
import { startCluster } from "../tests/helpers/postgres.js";
import { END } from "./api.js";

const [otherCheckout, otherDir, thisDir, runsArg] = process.argv.slice(2);
if (!otherCheckout || !otherDir || !thisDir) {
  console.error("usage: npx tsx bench/pg-read-compare.ts OTHER_CHECKOUT OTHER_DATA_DIR THIS_DATA_DIR [runs]");
  process.exit(2);
}
const runs = Number(runsArg ?? 7);
const conf = ["shared_buffers = 512MB", "max_wal_size = 8GB"];
const DAY = 86_400_000;

const calls: [string, (s: Store) => Promise<unknown[]>][] = [
  ["targetStats 1 d KZ-47 300 s (detector baseline day)", (s) => s.targetStats({ since: new Date(END - DAY), until: new Date(END), region: "KZ-47", bucketSeconds: 300 })],
  ["targetStats 2 h KZ-47 300 s (detector pass)", (s) => s.targetStats({ since: new Date(END - 2 * 3600_000), until: new Date(END), region: "KZ-47", bucketSeconds: 300 })],
  ["targetStats 1 d KZ-47 minute (targets API)", (s) => s.targetStats({ since: new Date(END - DAY), until: new Date(END), region: "KZ-47", bucketSeconds: 60 })],
  ["measurementFacts 15 min KZ-47 (control)", (s) => s.measurementFacts({ region: "KZ-47", since: new Date(END - 15 * 60_000), until: new Date(END) })],
  ["networkStats 7 d KZ-47 hour (control)", (s) => s.networkStats({ since: new Date(END - 7 * DAY), until: new Date(END), region: "KZ-47", bucketSeconds: 3600 })],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const other = await startCluster({ durable: true, dataDir: otherDir, conf });
const mine = await startCluster({ durable: true, dataDir: thisDir, conf });
try {
  const { PostgresStore: OtherStore } = (await import(pathToFileURL(join(otherCheckout, "src/store/postgres/store.ts")).href)) as
    { PostgresStore: typeof PostgresStore };
  const a = new OtherStore(`postgres://postgres@127.0.0.1:${other.port}/bench_api`);
  const b = new PostgresStore(`postgres://postgres@127.0.0.1:${mine.port}/bench_api`);
  await a.migrate();
  const t0 = performance.now();
  await b.migrate();
  console.log(`this checkout's migrate(): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const { rows } = await b.pool.query<{ n: string }>("SELECT COUNT(*) AS n FROM measurements");
  console.log(`${rows[0]!.n} measurements; load average before ${loadavg().map((x) => x.toFixed(2)).join(", ")}`);
  await b.pool.query("ANALYZE");

  const where = `region_ref = (SELECT id FROM names WHERE name = 'KZ-47') AND started_ms >= ${END - DAY} AND started_ms < ${END}`;
  const plan = await b.pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${liveMinuteSums("measurements", where)}`);
  console.log(plan.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n"));

  const times = calls.map(() => ({ a: [] as number[], b: [] as number[], rows: [0, 0] }));
  for (let i = 0; i < runs; i++) {
    for (const [k, [, call]] of calls.entries()) {
      // Alternate which store goes first, so neither always meets the other's warm caches.
      for (const [side, store] of (i % 2 === 0 ? [["a", a], ["b", b]] : [["b", b], ["a", a]]) as [("a" | "b"), Store][]) {
        const t = performance.now();
        const got = await call(store);
        times[k]![side].push(performance.now() - t);
        times[k]!.rows[side === "a" ? 0 : 1] = got.length;
      }
    }
  }
  for (const [k, [name]] of calls.entries()) {
    const { a: ta, b: tb, rows: [ra, rb] } = times[k]!;
    console.log(`${name}: other ${median(ta).toFixed(1)} ms (${ra} rows), this ${median(tb).toFixed(1)} ms (${rb} rows), ${(median(tb) / median(ta)).toFixed(2)}×`);
  }
  console.log(`load average after ${loadavg().map((x) => x.toFixed(2)).join(", ")}`);
  await a.close();
  await b.close();
} finally {
  other.stop();
  mine.stop();
}
