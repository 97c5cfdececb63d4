// Which PostgreSQL errors mean "not now" (retry later: the collector requeues, the API answers 503) rather
// than "this data is wrong". Classified by SQLSTATE, and by Node's socket errors for a lost connection.
import { StoreUnavailableError } from "../errors.js";

/** SQLSTATE classes and codes that say nothing about the statement's data. */
const LOCKED_CODES = new Set([
  "55P03", // lock_not_available (lock_timeout)
  "57014", // query_canceled (statement_timeout)
  "40001", // serialization_failure
  "40P01", // deadlock_detected
]);
const DOWN_CLASSES = ["08", "53", "58", "XX"]; // connection, insufficient resources (disk/memory/connections), system/IO, internal
const DOWN_CODES = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, recovering)
  "57P04", // database_dropped
  "25006", // read_only_sql_transaction (a standby after failover)
  "3D000", // invalid_catalog_name: the database is not there (yet)
]);
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
// node-postgres reports a closed pool or a dropped connection with plain Errors.
const DOWN_MESSAGES = /Connection terminated|Client has encountered a connection error|Cannot use a pool after calling end|timeout exceeded when trying to connect|Client was closed|not queryable|Connection ended/i;

export function pgUnavailability(err: unknown): "locked" | "down" | null {
  if (err instanceof StoreUnavailableError) return err.reason;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    if (LOCKED_CODES.has(code)) return "locked";
    if (DOWN_CODES.has(code) || SOCKET_CODES.has(code)) return "down";
    if (/^[0-9A-Z]{5}$/.test(code) && DOWN_CLASSES.includes(code.slice(0, 2))) return "down";
    if (/^[0-9A-Z]{5}$/.test(code)) return null;
  }
  if (err instanceof Error && DOWN_MESSAGES.test(err.message)) return "down";
  return null;
}

/** Rethrows a "not now" error as StoreUnavailableError (what every caller checks); other errors unchanged. */
export function asStoreError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError) return err;
  const reason = pgUnavailability(err);
  if (reason === null) return err;
  const what = reason === "locked" ? "PostgreSQL refused for now (lock, timeout or conflict)" : "PostgreSQL is unreachable or refusing work";
  return new StoreUnavailableError(reason, `${what}: ${(err as Error).message ?? String(err)}`, { cause: err });
}
