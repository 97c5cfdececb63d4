// Errors a store raises when it cannot be reached right now (locked by another writer, disk full, I/O
// error, closed), as opposed to errors about the data handed to it. Callers retry the first kind — the
// collector without limit, the API by answering 503 — and never retry the second.

/** The store is temporarily unable to serve: retry later, the data is not at fault. */
export class StoreUnavailableError extends Error {
  constructor(
    /** "locked": another connection holds the write lock; "down": full disk, I/O error, closed, … */
    readonly reason: "locked" | "down",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}

// SQLite result codes (extended codes start with these) that say nothing about the statement's data.
const LOCKED_CODES = ["SQLITE_BUSY", "SQLITE_LOCKED"];
const DOWN_CODES = ["SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_NOMEM",
  "SQLITE_PROTOCOL", "SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_NOLFS", "SQLITE_INTERRUPT"];

function sqliteCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : null;
}

/** Whether an error only means "not now": a lock, a full or failing disk, a closed connection. */
export function storeUnavailability(err: unknown): "locked" | "down" | null {
  if (err instanceof StoreUnavailableError) return err.reason;
  const code = sqliteCode(err);
  if (code !== null) {
    if (LOCKED_CODES.some((c) => code.startsWith(c))) return "locked";
    if (DOWN_CODES.some((c) => code.startsWith(c))) return "down";
    return null;
  }
  // better-sqlite3 throws a TypeError for a closed connection (a store closing during shutdown).
  if (err instanceof TypeError && /database connection is not open/i.test(err.message)) return "down";
  return null;
}

export function isStoreUnavailable(err: unknown): boolean {
  return storeUnavailability(err) !== null;
}
