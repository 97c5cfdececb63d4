// The PostgreSQL half of bench/store-size.ts: the same production-shaped measurements through
// PostgresStore.insertMeasurements (jobs of 1,000) into a private cluster (tests/helpers/postgres.ts, fsync
// on), then VACUUM (ANALYZE) so dead tuples and unset visibility bits do not count, then the bytes of every
// table, TOAST table and index of the schema (partitions summed under their parent), per measurement.
// Also the CPU the server's backends spent (from /proc), so insert cost compares across loaded runs.
// "Settled" also runs the store's own maintenance as retention would once the bench's day has closed
// (PostgresStore.compactClosed with a clock past it: the day partition's indexes rebuilt full).
import { rmSync } from "node:fs";
import pg from "pg";
import { configSchema } from "../src/config/schema.js";
import type { Measurement } from "../src/measurement.js";
import { COMPACT_AFTER_MS } from "../src/store/postgres/compaction.js";
import { DAY_MS, dayOf } from "../src/store/postgres/partitions.js";
import { PostgresStore } from "../src/store/postgres/store.js";
import { startCluster, type TestPostgres } from "../tests/helpers/postgres.js";
import { createDatabase, postmasterPid } from "./ingest-postgres.js";
import { fillAndReadBack } from "./store-fill.js";
import { treeCpuSeconds } from "./process-cpu.js";

export interface PgStoreSizeFigures {
  count: number;
  /** Every relation of the public schema (tables, partitions, TOAST, indexes), divided by count. */
  bytesPerMeasurement: number;
  totalBytes: number;
  /** Bytes per measurement of each table's heap, TOAST and each index (partitions summed), largest first. */
  breakdown: Record<string, number>;
  /**
   * The same after VACUUM FULL of the tables updated in place (hour rollups, network rollups, last_seen,
   * probes): a short run is all "current hour", whose rows are updated up to 12 times and leave dead versions
   * behind; in a store of months only the current hour churns, so this is the size it converges to. The
   * append-only tables (measurements, per-target minute rollups) keep their real page and index fill.
   */
  settledBytesPerMeasurement: number;
  settledBreakdown: Record<string, number>;
  /** Settled bytes per measurement per table, heap + TOAST + indexes (what retention prunes together). */
  settledByTable: Record<string, number>;
  /**
   * The store's compaction of closed day partitions, run for settled (after the VACUUM FULL above): the
   * measurements' index bytes per measurement before and after, how long it took and the server's CPU.
   */
  compaction: { indexBytesBefore: number; indexBytesAfter: number; indexes: number; ms: number; serverCpuMs: number };
  /**
   * settledByTable with today's share of the raw rows uncompacted: at steady state the current day and the
   * COMPACT_AFTER_MS after it (1.25 of rawDays days) have the indexes measured before compaction, the rest after.
   */
  steadyByTable: Record<string, number>;
  /** Mean bytes of the packed measurement, and of a whole measurements row (pg_column_size, no page overhead). */
  meanPackedBytes: number;
  meanRowBytes: number;
  /** Partitions of measurements (including empty ones made ahead of today). */
  partitions: number;
  insertsPerSecond: number;
  /** CPU per 1,000 measurements inserted: this process (encode, driver) and the server's backends. */
  clientCpuMsPer1000: number;
  serverCpuMsPer1000: number;
  streamMicrosPerMeasurement: number;
}

/** CPU (ms) of the cluster's postmaster and every process under it, exited backends included. */
function serverCpuMs(cluster: TestPostgres): number {
  return treeCpuSeconds([postmasterPid(cluster)])[0]! * 1000;
}

/**
 * Bytes of each relation of the public schema, keyed by a readable name: "<table> heap", "<table> toast",
 * "<index>"; a partition's relations are counted under its parent's (measurements_p20261101_pkey →
 * measurements_pkey).
 */
export async function relationBytes(url: string): Promise<{ total: number; byName: Record<string, number>; byTable: Record<string, number>; partitions: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ tbl: string; idx: string | null; kind: string; bytes: string }>(`
      WITH tables AS (
        SELECT t.oid, COALESCE(parent.relname, t.relname) AS tbl, t.reltoastrelid
        FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
        LEFT JOIN pg_inherits i ON i.inhrelid = t.oid LEFT JOIN pg_class parent ON parent.oid = i.inhparent
        WHERE n.nspname = 'public' AND t.relkind = 'r')
      SELECT tbl, NULL AS idx, 'heap' AS kind, pg_table_size(oid) - COALESCE(pg_total_relation_size(NULLIF(reltoastrelid, 0)), 0) AS bytes FROM tables
      UNION ALL
      SELECT tbl, NULL, 'toast', COALESCE(pg_total_relation_size(NULLIF(reltoastrelid, 0)), 0) FROM tables
      UNION ALL
      SELECT t.tbl, COALESCE(pi.relname, ic.relname), 'index', pg_relation_size(ic.oid)
      FROM tables t JOIN pg_index x ON x.indrelid = t.oid JOIN pg_class ic ON ic.oid = x.indexrelid
      LEFT JOIN pg_inherits ii ON ii.inhrelid = ic.oid LEFT JOIN pg_class pi ON pi.oid = ii.inhparent`);
    const byName: Record<string, number> = {};
    const byTable: Record<string, number> = {};
    let total = 0;
    for (const r of rows) {
      const name = r.kind === "index" ? r.idx! : `${r.tbl} ${r.kind}`;
      byName[name] = (byName[name] ?? 0) + Number(r.bytes);
      byTable[r.tbl] = (byTable[r.tbl] ?? 0) + Number(r.bytes);
      total += Number(r.bytes);
    }
    const parts = await c.query("SELECT 1 FROM pg_inherits WHERE inhparent = 'measurements'::regclass");
    return { total, byName, byTable, partitions: parts.rowCount ?? 0 };
  } finally {
    await c.end();
  }
}

export async function benchPostgresStoreSize(measurements: Iterable<Measurement>, count: number): Promise<PgStoreSizeFigures> {
  const cluster = await startCluster({ durable: true });
  try {
    const url = await createDatabase(cluster, "store_size");
    const store = new PostgresStore(url);
    try {
      await store.migrate();
      const { insertMs, clientCpuMs: clientCpu, serverCpuMs: serverCpu, streamMs } =
        await fillAndReadBack(store, measurements, () => serverCpuMs(cluster));

      await store.pool.query("VACUUM (ANALYZE)");
      const mean = (await store.pool.query<{ packed: number; row: number }>(`SELECT AVG(octet_length(packed))::float8 AS packed,
        AVG(pg_column_size(m.*))::float8 AS row FROM measurements m`)).rows[0]!;
      const sizes = await relationBytes(url);
      const per = (b: number) => Number((b / count).toFixed(1));
      const perTable = (byName: Record<string, number>) => Object.fromEntries(Object.entries(byName).filter(([, b]) => b > 0)
        .sort(([, a], [, b]) => b - a).map(([k, b]) => [k, per(b)]));
      const breakdown = perTable(sizes.byName);
      await store.pool.query("VACUUM (FULL, ANALYZE) rollups_hour, network_rollups_minute, network_rollups_hour, last_seen, probes");
      const uncompacted = await relationBytes(url);
      // Retention's maintenance once the last day closed: runs until nothing is left (each run is bounded).
      const { ms: lastMs } = (await store.pool.query<{ ms: number }>("SELECT MAX(started_ms)::int8 AS ms FROM measurements")).rows[0]!;
      const clock = new Date((dayOf(lastMs) + 1) * DAY_MS + COMPACT_AFTER_MS);
      const [t0, cpu0] = [performance.now(), serverCpuMs(cluster)];
      let indexes = 0;
      for (let run = await store.compactClosed(clock); run.compacted > 0; run = await store.compactClosed(clock)) indexes += run.compacted;
      const compactMs = performance.now() - t0;
      const compactCpuMs = serverCpuMs(cluster) - cpu0;
      const settled = await relationBytes(url);
      const indexBytes = (b: Record<string, number>) => (b["measurements_pkey"] ?? 0) + (b["measurements_started_region"] ?? 0);
      const [before, after] = [indexBytes(uncompacted.byName), indexBytes(settled.byName)];
      const openShare = (1 + COMPACT_AFTER_MS / DAY_MS) / configSchema.shape.retention.parse(undefined).rawDays;
      const settledByTable = perTable(settled.byTable);
      return {
        count,
        bytesPerMeasurement: per(sizes.total),
        totalBytes: sizes.total,
        breakdown,
        settledBytesPerMeasurement: per(settled.total),
        settledBreakdown: Object.fromEntries(Object.entries(perTable(settled.byName)).slice(0, 12)),
        settledByTable,
        compaction: { indexBytesBefore: per(before), indexBytesAfter: per(after), indexes, ms: Math.round(compactMs), serverCpuMs: Math.round(compactCpuMs) },
        steadyByTable: { ...settledByTable, measurements: per(settled.byTable["measurements"]! + (before - after) * openShare) },
        meanPackedBytes: Math.round(mean.packed),
        meanRowBytes: Math.round(mean.row),
        partitions: sizes.partitions,
        insertsPerSecond: Math.round(count / (insertMs / 1000)),
        clientCpuMsPer1000: Number(((clientCpu / count) * 1000).toFixed(1)),
        serverCpuMsPer1000: Number(((serverCpu / count) * 1000).toFixed(1)),
        streamMicrosPerMeasurement: Number(((streamMs * 1000) / count).toFixed(1)),
      };
    } finally {
      await store.close();
    }
  } finally {
    cluster.stop();
    rmSync(cluster.dir, { recursive: true, force: true });
  }
}
