// SQL of the state table: small named values the server keeps across restarts (detector progress, schedules).
// Kept beside sqlite.ts so that file stays readable; SqliteStore runs these through its lock-aware runner.
import type { StatementCache } from "./sqlite-statements.js";

export class StateTable {
  constructor(private readonly stmts: StatementCache) {}

  getState(key: string): string | null {
    const row = this.stmts.get("SELECT value FROM state WHERE key = ?").get(key) as { value: string } | undefined;
    return row ? row.value : null;
  }

  setState(key: string, value: string): void {
    this.stmts.get(`INSERT INTO state (key, value, updated_ms) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms`).run(key, value, Date.now());
  }
}
