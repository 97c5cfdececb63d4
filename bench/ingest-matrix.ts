// SQLite and PostgreSQL, one and two collector processes each, side by side in one run (one PostgreSQL
// cluster for both PostgreSQL runs): what `npm run bench -- ingest` runs. Two tables: the rate this machine
// reached, and where the CPU went with the rate that CPU cost allows on 2, 4 and 8 cores.
import { rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { startCluster } from "../tests/helpers/postgres.js";
import { benchIngest, benchPostgresConf, PROJECTED_CORES, type IngestFigures } from "./ingest-run.js";


function row(cells: (string | number)[], widths: number[]): string {
  return cells.map((c, i) => String(c).padEnd(widths[i]!)).join(" ").trimEnd();
}

/** The two tables, one line per run. */
export function ingestTables(runs: IngestFigures[]): string[] {
  const w1 = [9, 11, 15, 28, 18, 5];
  const w2 = [9, 11, 14, 12, 9, 9];
  return [
    row(["store", "collectors", "measurements/s", "per CPU s (collectors only)", "bytes/measurement", "load"], w1),
    ...runs.map((r) => row([r.store, r.collectors, r.perSecond, r.perCpuSecond, r.bytesPerMeasurement, r.loadAverage], w1)),
    "",
    `CPU µs per measurement (user+system, from /proc) and the rate it allows on ${PROJECTED_CORES.join(" / ")} cores:`,
    row(["store", "collectors", "collector(s)", "postgresql", "redis", "total", "measurements/s projected"], w2),
    ...runs.map((r) => {
      const c = r.cpuMicrosPerMeasurement;
      return row([r.store, r.collectors, c.collectors, c.postgres, c.redis, c.total,
        PROJECTED_CORES.map((n) => r.projectedPerSecond[String(n)]).join(" / ")], w2);
    }),
  ];
}

export async function benchIngestMatrix(opts: { count?: number; concurrency?: number } = {}): Promise<{ runs: IngestFigures[]; table: string[] }> {
  const conf = benchPostgresConf();
  const cluster = await startCluster({ durable: true, conf });
  const runs: IngestFigures[] = [];
  try {
    for (const store of ["sqlite", "postgres"] as const) {
      for (const collectors of [1, 2]) {
        const f = await benchIngest({ ...opts, store, collectors, cluster });
        runs.push(f);
        console.log(`ingest ${store} x${collectors}: ${f.perSecond}/s, ${f.cpuMicrosPerMeasurement.total} µs CPU/measurement, ` +
          `${f.bytesPerMeasurement} B/measurement, load ${f.loadAverage}`);
      }
    }
  } finally {
    cluster.stop();
    rmSync(cluster.dir, { recursive: true, force: true });
  }
  const table = [`${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}, PostgreSQL: ${conf.join(", ")}`,
    ...ingestTables(runs)];
  for (const line of table) console.log(line);
  return { runs, table };
}
