// The PostgreSQL side of the ingest benchmark: the cluster's settings, a database per run, its size on disk,
// and the postmaster's pid (the root of every process of the cluster, whose CPU the run is charged with).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import type { TestPostgres } from "../tests/helpers/postgres.js";

/**
 * PostgreSQL settings of the benchmark cluster on top of tests/helpers/postgres.ts' durable ones (fsync on,
 * max_wal_size 4GB, checkpoint_timeout 15min): synchronous_commit back on, PostgreSQL's default and what
 * production runs, because the collector completes a job once its transaction commits, and with it off a
 * crash of the database server can lose the last commits of jobs Redis no longer holds. Each commit carries a
 * whole job (1,000 measurements), so its flush is cheap. KW_BENCH_PG_CONF="name = value;…" adds lines (the
 * last setting of a name wins), e.g. "synchronous_commit = off" to compare.
 */
export function benchPostgresConf(extra = process.env.KW_BENCH_PG_CONF ?? ""): string[] {
  return ["synchronous_commit = on", ...extra.split(";").map((l) => l.trim()).filter((l) => l.length > 0)];
}

/** Bytes of every table, index and TOAST table of the database. */
export async function postgresBytes(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: string }>(`SELECT SUM(pg_total_relation_size(c.oid)) AS n FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'`);
    return Number(rows[0]!.n);
  } finally {
    await c.end();
  }
}

export async function createDatabase(cluster: TestPostgres, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: cluster.adminUrl });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  return `postgres://postgres@127.0.0.1:${cluster.port}/${name}`;
}

/** The postmaster's pid (first line of postmaster.pid): the root of every process of the cluster. */
export function postmasterPid(cluster: TestPostgres): number {
  return Number(readFileSync(join(cluster.dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
}

