// What SqliteStore hands the modules it delegates to (sqlite-incidents.ts, sqlite-probes.ts,
// sqlite-measurement-reads.ts, sqlite-retention.ts): one prepared-statement cache shared by all of them, and
// the store's lock-aware runner. Kept below those modules so none of them imports sqlite.ts (no circle).
import type { Database, Statement } from "better-sqlite3";

/** Runs one synchronous statement or transaction, retried without blocking while another connection holds a lock. */
export type SqliteCall = <T>(op: () => T) => Promise<T>;

/** Prepares each SQL string once per connection: preparing costs more than most of the store's statements. */
export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  constructor(readonly db: Database) {}

  get(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}
