// Incidents table of the PostgreSQL store: each incident kept whole as JSON, with the columns listIncidents
// filters and orders by. Kept apart so store.ts stays readable; store.ts maps errors (call).
import type pg from "pg";
import type { Incident } from "../../incident.js";
import type { IncidentQuery } from "../store.js";

export class PgIncidents {
  constructor(private readonly pool: pg.Pool) {}

  /** Insert or replace by id (the detector re-saves an incident as it changes). */
  async saveIncident(i: Incident): Promise<void> {
    await this.pool.query(`INSERT INTO incidents (id, region, network, kind, status, started_ms, ended_ms, json)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (id) DO UPDATE SET region = excluded.region, network = excluded.network, kind = excluded.kind,
        status = excluded.status, started_ms = excluded.started_ms, ended_ms = excluded.ended_ms, json = excluded.json`,
    [i.id, i.region, i.network, i.kind, i.status, Date.parse(i.startedAt), i.endedAt === null ? null : Date.parse(i.endedAt),
      JSON.stringify(i)]);
  }

  async getIncident(id: string): Promise<Incident | null> {
    const { rows } = await this.pool.query<{ json: string }>("SELECT json FROM incidents WHERE id = $1", [id]);
    return rows[0] ? (JSON.parse(rows[0].json) as Incident) : null;
  }

  /** Newest first. */
  async listIncidents(q: IncidentQuery): Promise<Incident[]> {
    const values: unknown[] = [];
    const parts: string[] = [];
    const add = (sql: string, v: unknown) => {
      values.push(v);
      parts.push(sql.replaceAll("?", `$${values.length}`));
    };
    if (q.region !== undefined) add("region = ?", q.region);
    if (q.network !== undefined) add("network = ?", q.network);
    if (q.kind !== undefined) add("kind = ?", q.kind);
    if (q.status !== undefined) add("status = ?", q.status);
    if (q.since !== undefined) add("(ended_ms IS NULL OR ended_ms >= ?)", q.since.getTime());
    if (q.until !== undefined) add("started_ms < ?", q.until.getTime());
    values.push(q.limit === undefined || q.limit < 0 ? null : q.limit, q.offset ?? 0);
    const { rows } = await this.pool.query<{ json: string }>(`SELECT json FROM incidents
      WHERE ${parts.length ? parts.join(" AND ") : "TRUE"}
      ORDER BY started_ms DESC, id LIMIT $${values.length - 1} OFFSET $${values.length}`, values);
    return rows.map((r) => JSON.parse(r.json) as Incident);
  }
}
