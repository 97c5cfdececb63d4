// A real, private, throw-away PostgreSQL cluster for tests: initdb into a temp dir, listening on loopback
// and a unix socket in that dir, on a free port. One cluster per vitest worker process (kept on globalThis,
// stopped when the process exits); each caller of freshDatabase() gets a database of its own. A worker
// that is killed never runs its exit handler, so each cluster dir names its owner's pid, and clusters
// whose owner is gone are stopped and deleted by the next start (and by the global teardown).
// PostgreSQL refuses to run as root, so as root the cluster runs as the unprivileged `postgres` user.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./redis.js";

export interface TestPostgres {
  /** Superuser URL of the cluster's `postgres` database (no password: trust on loopback). */
  adminUrl: string;
  port: number;
  dir: string;
  bin: string;
  /** Runs a command as the cluster's owner (pg_ctl, psql…). */
  run(cmd: string, args: string[]): string;
  stop(mode?: "fast" | "immediate"): void;
  start(): Promise<void>;
}

/** The PostgreSQL server binaries: pg_config's bindir, else the newest /usr/lib/postgresql/N/bin. */
export function postgresBinDir(): string {
  try {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
    if (existsSync(join(dir, "initdb"))) return dir;
  } catch { /* no pg_config (libpq-dev not installed) */ }
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, "bin", "initdb"))) return join(root, v, "bin");
  throw new Error("PostgreSQL server binaries not found: run scripts/setup.sh (Debian package postgresql)");
}

const asRoot = process.getuid?.() === 0;

function runAs(cmd: string, args: string[]): string {
  const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

export interface ClusterOptions {
  /** Durable settings (fsync on) for benchmarks; tests default to fsync off, which only loses data on an OS crash. */
  durable?: boolean;
  /** Extra postgresql.conf lines. */
  conf?: string[];
  /** Use this data dir (kept between runs, e.g. a benchmark's cache); created when empty. */
  dataDir?: string;
}

export async function startCluster(opts: ClusterOptions = {}): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const dir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "kw-pg-"));
  const data = join(dir, "data");
  if (asRoot) {
    chmodSync(dir, 0o755);
    chownSync(dir, uidOf("postgres"), gidOf("postgres"));
  }
  const port = await freePort();
  if (!existsSync(join(data, "PG_VERSION"))) {
    runAs(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  }
  const conf = [
    `port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${dir}'`,
    "max_connections = 60", "shared_buffers = 128MB",
    ...(opts.durable ? ["synchronous_commit = off", "max_wal_size = 4GB", "checkpoint_timeout = 15min"]
      : ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]),
    ...(opts.conf ?? []),
  ];
  writeFileSync(join(data, "postgresql.auto.conf"), conf.join("\n") + "\n");
  if (asRoot) chownSync(join(data, "postgresql.auto.conf"), uidOf("postgres"), gidOf("postgres"));
  if (!opts.dataDir) {
    writeFileSync(join(dir, "owner.pid"), `${process.pid}\n`);
    // The vitest run that started it (set by tests/helpers/postgres-teardown.ts), so its teardown finds it.
    if (process.env.KEEPWATCH_PG_TEST_RUN) writeFileSync(join(dir, "run.id"), process.env.KEEPWATCH_PG_TEST_RUN);
  }
  const cluster: TestPostgres = {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port, dir, bin,
    run: (cmd, args) => runAs(join(bin, cmd), args),
    stop: (mode = "fast") => {
      try { runAs(join(bin, "pg_ctl"), ["-D", data, "-m", mode, "-w", "stop"]); } catch { /* not running */ }
    },
    start: async () => {
      runAs(join(bin, "pg_ctl"), ["-D", data, "-l", join(dir, "log"), "-w", "-t", "120", "start"]);
    },
  };
  await cluster.start();
  return cluster;
}

function uidOf(user: string): number {
  return Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
}
function gidOf(user: string): number {
  return Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Stops and deletes throw-away clusters (tmpdir/kw-pg-*) whose owning process has died, and with `run`,
 * every cluster that vitest run started (its workers are done with them).
 */
export function reapOrphanClusters(run?: string): number {
  let reaped = 0;
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith("kw-pg-"))) {
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, "owner.pid"), "utf8").trim());
    } catch {
      continue; // not one of ours, or still being created
    }
    let ofRun = false;
    try {
      ofRun = run !== undefined && readFileSync(join(dir, "run.id"), "utf8") === run;
    } catch { /* started outside a vitest run */ }
    if (!ofRun && (!Number.isInteger(owner) || owner <= 0 || alive(owner))) continue;
    try { runAs(join(postgresBinDir(), "pg_ctl"), ["-D", join(dir, "data"), "-m", "immediate", "-w", "stop"]); } catch { /* not running */ }
    rmSync(dir, { recursive: true, force: true });
    reaped += 1;
  }
  return reaped;
}

const KEY = Symbol.for("keepwatch.testPostgres");
type Holder = { [KEY]?: Promise<TestPostgres> };

/** This worker's cluster, started on first use and stopped (and deleted) when the process exits. */
export function workerCluster(): Promise<TestPostgres> {
  const g = globalThis as Holder;
  if (!g[KEY]) {
    reapOrphanClusters();
    g[KEY] = startCluster().then((c) => {
      process.once("exit", () => {
        c.stop("immediate");
        rmSync(c.dir, { recursive: true, force: true });
      });
      return c;
    });
  }
  return g[KEY];
}

let counter = 0;

/** A new empty database in this worker's cluster; returns its URL. */
export async function freshDatabase(prefix = "kw"): Promise<string> {
  const c = await workerCluster();
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  const admin = new pg.Client({ connectionString: c.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return `postgres://postgres@127.0.0.1:${c.port}/${name}`;
}

/** Runs SQL as superuser against a database URL (for tests that inspect or sabotage it). */
export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
