// Store-size benchmark: bytes on disk per stored measurement, including every index and rollup table, for a
// production-shaped schedule (every probe checks every target once per 5-minute round, so each per-target
// minute rollup row holds one measurement, as in production) with measurements shaped like the probes' real
// output (bench/realistic-measurements.ts). Inserts go through SqliteStore.insertMeasurements in jobs of 1,000
// (the collector's job size); the WAL is checkpointed before the file is measured. Also prints where the bytes
// go (SQLite's dbstat: pages per table and index) and the store's own insert rate. The same measurements then
// go through PostgresStore (bench/store-size-postgres.ts: a private cluster, sizes after VACUUM (ANALYZE),
// per table, TOAST and index), so both stores are reported side by side from one run.
//   npx tsx bench/store-size.ts [count] [regions] [targets] [sqlite|postgres|both]
import BetterSqlite3 from "better-sqlite3";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Measurement } from "../src/measurement.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { fillAndReadBack } from "./store-fill.js";
import { deployment, realisticMeasurement, seededRandom } from "./realistic-measurements.js";
import { benchPostgresStoreSize, type PgStoreSizeFigures } from "./store-size-postgres.js";
import { projectRetention, projectionLine, type RetentionProjection } from "./retention-projection.js";

export interface StoreSizeFigures {
  count: number;
  probes: number;
  targets: number;
  /** Whole file after a WAL checkpoint, divided by count. */
  bytesPerMeasurement: number;
  fileBytes: number;
  /** Mean JSON.stringify length of the stored measurements. */
  meanJsonBytes: number;
  /** Bytes per measurement of each table and index (dbstat page sizes), largest first. */
  breakdown: Record<string, number>;
  /** The same per table, its indexes included (what retention prunes together). */
  byTable: Record<string, number>;
  /** insertMeasurements calls of 1,000, measurements per second (store only, no queue). */
  insertsPerSecond: number;
  /** CPU of this process per 1,000 measurements inserted (SQLite runs in-process: the whole cost). */
  cpuMsPer1000: number;
  /** Time to read every measurement back whole (streamMeasurements), per measurement, microseconds. */
  streamMicrosPerMeasurement: number;
}

const ROUND_MS = 5 * 60_000;

function uuid(rand: () => number): string {
  const h = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Production order: round after round, each probe's targets a second apart from its own start offset. */
export function* productionSchedule(count: number, regions: number, targets: number, seed = 7): Generator<Measurement> {
  const rand = seededRandom(seed);
  const d = deployment(regions, targets, seededRandom(seed + 1));
  const base = Date.parse("2026-11-01T00:00:00.000Z");
  let n = 0;
  for (let round = 0; n < count; round++) {
    for (let p = 0; p < d.probes.length && n < count; p++) {
      const offset = Math.floor(rand() * 60_000);
      for (let ti = 0; ti < d.targets.length && n < count; ti++, n++) {
        yield realisticMeasurement(d, p, ti, base + round * ROUND_MS + offset + ti * 1000, uuid(rand), rand);
      }
    }
  }
}

/** Page bytes per table and index from SQLite's dbstat virtual table, and per table with its indexes. */
function pageBreakdown(dbPath: string): { byName: Record<string, number>; byTable: Record<string, number> } {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    const rows = db.prepare(`SELECT d.name, COALESCE(m.tbl_name, d.name) AS tbl, SUM(d.pgsize) AS bytes
      FROM dbstat d LEFT JOIN sqlite_schema m ON m.name = d.name GROUP BY d.name ORDER BY bytes DESC`).all() as
      { name: string; tbl: string; bytes: number }[];
    const byTable: Record<string, number> = {};
    for (const r of rows) byTable[r.tbl] = (byTable[r.tbl] ?? 0) + r.bytes;
    return { byName: Object.fromEntries(rows.map((r) => [r.name, r.bytes])), byTable };
  } finally {
    db.close();
  }
}

export async function benchSqliteStoreSize(opts: { count?: number; regions?: number; targets?: number } = {}): Promise<StoreSizeFigures> {
  const count = opts.count ?? 50_000;
  const regions = opts.regions ?? 17;
  const targets = opts.targets ?? 60;
  const dir = mkdtempSync(join(tmpdir(), "kw-bench-size-"));
  const dbPath = join(dir, "keepwatch.sqlite");
  const store = new SqliteStore(dbPath);
  try {
    await store.migrate();
    let jsonBytes = 0;
    const counted = function* () {
      for (const m of productionSchedule(count, regions, targets)) {
        jsonBytes += JSON.stringify(m).length;
        yield m;
      }
    };
    const { insertMs, clientCpuMs: cpuMs, streamMs } = await fillAndReadBack(store, counted());
    await store.close();

    // Fold the WAL into the file so the file size is the whole store.
    const db = new BetterSqlite3(dbPath);
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.close();
    const fileBytes = statSync(dbPath).size;
    const pages = pageBreakdown(dbPath);
    const perMeasurement = (b: number) => Number((b / count).toFixed(1));
    return {
      count,
      probes: regions * 2 + 1,
      targets,
      bytesPerMeasurement: perMeasurement(fileBytes),
      fileBytes,
      meanJsonBytes: Math.round(jsonBytes / count),
      breakdown: Object.fromEntries(Object.entries(pages.byName).map(([k, v]) => [k, perMeasurement(v)])),
      byTable: Object.fromEntries(Object.entries(pages.byTable).map(([k, v]) => [k, perMeasurement(v)])),
      insertsPerSecond: Math.round(count / (insertMs / 1000)),
      cpuMsPer1000: Number(((cpuMs / count) * 1000).toFixed(1)),
      streamMicrosPerMeasurement: Number(((streamMs * 1000) / count).toFixed(1)),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface StoreSizeComparison {
  sqlite: StoreSizeFigures | null;
  postgres: PgStoreSizeFigures | null;
  /** Steady-state bytes per measurement a day at the default retention, from each store's bytes per table. */
  projection: { sqlite: RetentionProjection | null; postgres: RetentionProjection | null };
  /** 1-minute load average before and after (the machine is shared: rates only compare within one run). */
  loadAverage: [number, number];
}

/** Both stores, one after the other, on the same measurements (the same seed). */
export async function benchStoreSize(opts: { count?: number; regions?: number; targets?: number;
  stores?: "sqlite" | "postgres" | "both" } = {}): Promise<StoreSizeComparison> {
  const count = opts.count ?? 50_000;
  const regions = opts.regions ?? 17;
  const targets = opts.targets ?? 60;
  const stores = opts.stores ?? "both";
  const load0 = Number(loadavg()[0]!.toFixed(2));
  const sqlite = stores === "postgres" ? null : await benchSqliteStoreSize({ count, regions, targets });
  const postgres = stores === "sqlite" ? null
    : await benchPostgresStoreSize(productionSchedule(count, regions, targets), count);
  // PostgreSQL's settled sizes: what a store of months converges to (only the current hour churns, and only
  // the current day's partition has indexes not yet compacted).
  const projection = {
    sqlite: sqlite && projectRetention(sqlite.byTable),
    postgres: postgres && projectRetention(postgres.steadyByTable),
  };
  return { sqlite, postgres, projection, loadAverage: [load0, Number(loadavg()[0]!.toFixed(2))] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const stores = (process.argv[5] ?? "both") as "sqlite" | "postgres" | "both";
  const figures = await benchStoreSize({
    count: Number(process.argv[2] ?? 50_000), regions: Number(process.argv[3] ?? 17), targets: Number(process.argv[4] ?? 60), stores,
  });
  console.log(JSON.stringify(figures, null, 2));
  for (const [name, f] of [["SQLite", figures.sqlite], ["PostgreSQL", figures.postgres]] as const) {
    if (f) console.log(`store size ${name}: ${f.bytesPerMeasurement} bytes per stored measurement, indexes and rollups included (goal <= 600), ${f.insertsPerSecond} inserts/s`);
    if (f && "settledBytesPerMeasurement" in f) {
      console.log(`  settled (tables updated in place compacted, closed day partitions' indexes rebuilt full): ${f.settledBytesPerMeasurement} bytes`);
      const c = f.compaction;
      console.log(`  compaction: measurements indexes ${c.indexBytesBefore} -> ${c.indexBytesAfter} bytes per measurement, ${c.indexes} indexes in ${c.ms} ms (server CPU ${c.serverCpuMs} ms)`);
    }
  }
  if (figures.projection.sqlite) console.log(projectionLine("SQLite", figures.projection.sqlite));
  if (figures.projection.postgres) console.log(projectionLine("PostgreSQL (settled, today's partition uncompacted)", figures.projection.postgres));
  console.log(`load average ${figures.loadAverage.join(" -> ")}`);
}
