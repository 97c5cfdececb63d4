// The connection pool of the PostgreSQL store (node-postgres). bigint columns come back as JS numbers
// (every count and epoch-ms here is far below 2^53), and every connection gets a lock timeout so a call
// that meets a long lock fails as "locked" instead of hanging.
import pg from "pg";

export interface PgPoolOptions {
  /** Connections in the pool (default 10). */
  max?: number;
  /** How long a statement waits for a lock before failing (ms, default 5000). */
  lockTimeoutMs?: number;
  /** How long to wait for a connection (ms, default 10000). */
  connectTimeoutMs?: number;
}

const INT8 = 20;
const NUMERIC = 1700;

function numberTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8, (v: string) => Number(v));
  types.setTypeParser(NUMERIC, (v: string) => Number(v));
  return types;
}

export function createPool(url: string, o: PgPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: o.max ?? 10,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    types: numberTypes(),
    options: `-c lock_timeout=${Math.max(1, Math.round(o.lockTimeoutMs ?? 5000))}`,
    application_name: "keepwatch",
  });
  // An idle connection the server dropped (restart, admin shutdown) emits here; the next query reconnects.
  pool.on("error", () => undefined);
  return pool;
}

/** The URL with any password replaced, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
}
