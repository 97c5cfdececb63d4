// The state table of the PostgreSQL store: small named values (detector baselines and hysteresis, alert
// reminders, keys) that must survive restarts. Kept apart so store.ts stays readable; store.ts maps errors.
import type pg from "pg";

export class PgState {
  constructor(private readonly pool: pg.Pool) {}

  async getState(key: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ value: string }>("SELECT value FROM state WHERE key = $1", [key]);
    return rows[0] ? rows[0].value : null;
  }

  async setState(key: string, value: string): Promise<void> {
    await this.pool.query(`INSERT INTO state (key, value, updated_ms) VALUES ($1, $2, $3)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms`, [key, value, Date.now()]);
  }
}
