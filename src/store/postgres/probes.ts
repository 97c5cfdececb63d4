// Probes as the store sees them: the probes table (identity and the counters ingest keeps) and last_seen,
// each probe's newest measurement per region and network. Kept apart so store.ts stays readable; store.ts
// maps errors (call). Enrolment and heartbeats are in enrollment.ts.
import type pg from "pg";
import type { ProbeRecord } from "../store.js";
import { measurementWhere } from "./measurement-query.js";
import type { PgNames } from "./names.js";

export type LastSeenRow = { region: string; network: string; probeId: string; lastAt: string };

export class PgProbes {
  constructor(
    private readonly pool: pg.Pool,
    private readonly names: PgNames,
    /** Whether rows from before PostgreSQL migration 4 may remain (changes at the store's migrate()). */
    private readonly legacyRows: () => boolean,
  ) {}

  async upsertProbe(p: Omit<ProbeRecord, "measurements" | "lastSeenAt">): Promise<void> {
    await this.pool.query(`INSERT INTO probes (id, region, network, role) VALUES ($1, $2, $3, $4)
      ON CONFLICT (id) DO UPDATE SET region = excluded.region, network = excluded.network, role = excluded.role`,
    [p.id, p.region, p.network, p.role]);
  }

  async listProbes(): Promise<ProbeRecord[]> {
    const { rows } = await this.pool.query<{ id: string; region: string; network: string;
      role: "region" | "control"; last_seen_ms: number | null; measurements: number }>(
      "SELECT id, region, network, role, last_seen_ms, measurements FROM probes ORDER BY id");
    return rows.map((r) => ({
      id: r.id, region: r.region, network: r.network, role: r.role,
      lastSeenAt: r.last_seen_ms === null ? null : new Date(r.last_seen_ms).toISOString(),
      measurements: r.measurements,
    }));
  }

  /** With `before`, a probe seen at or after it is looked up in measurements for its last time before it. */
  async lastSeen(q: { before?: Date } = {}): Promise<LastSeenRow[]> {
    const { rows } = await this.pool.query<{ region: string; network: string; probe_id: string; last_ms: number }>(
      "SELECT region, network, probe_id, last_ms FROM last_seen ORDER BY region, network, probe_id");
    const before = q.before?.getTime();
    const out: LastSeenRow[] = [];
    for (const r of rows) {
      let ms: number | null = r.last_ms;
      if (before !== undefined && ms >= before) {
        const where = await measurementWhere({ probeId: r.probe_id, region: r.region, network: r.network },
          this.names, this.legacyRows(), [before]);
        const { rows: m } = await this.pool.query<{ ms: number | null }>(`SELECT MAX(started_ms) AS ms FROM measurements
          WHERE ${where.sql} AND started_ms < $1 AND NOT local_failure`, where.values);
        ms = m[0]?.ms ?? null;
      }
      if (ms !== null) out.push({ region: r.region, network: r.network, probeId: r.probe_id, lastAt: new Date(ms).toISOString() });
    }
    return out;
  }
}
