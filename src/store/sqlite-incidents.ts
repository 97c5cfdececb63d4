// SQL of incidents: each stored whole as JSON, with the columns listIncidents filters and orders by beside
// it. Kept beside sqlite.ts so that file stays readable; SqliteStore runs these through its lock-aware runner.
import type { Incident } from "../incident.js";
import type { StatementCache } from "./sqlite-statements.js";
import type { IncidentQuery } from "./store.js";

export class IncidentTables {
  constructor(private readonly stmts: StatementCache) {}

  saveIncident(incident: Incident): void {
    this.stmts.get(`INSERT INTO incidents (id, region, network, kind, status, started_ms, ended_ms, json)
      VALUES (@id, @region, @network, @kind, @status, @startedMs, @endedMs, @json)
      ON CONFLICT (id) DO UPDATE SET region = excluded.region, network = excluded.network, kind = excluded.kind,
        status = excluded.status, started_ms = excluded.started_ms, ended_ms = excluded.ended_ms, json = excluded.json`)
      .run({
        id: incident.id,
        region: incident.region,
        network: incident.network,
        kind: incident.kind,
        status: incident.status,
        startedMs: Date.parse(incident.startedAt),
        endedMs: incident.endedAt === null ? null : Date.parse(incident.endedAt),
        json: JSON.stringify(incident),
      });
  }

  getIncident(id: string): Incident | null {
    const row = this.stmts.get("SELECT json FROM incidents WHERE id = ?").get(id) as { json: string } | undefined;
    return row ? (JSON.parse(row.json) as Incident) : null;
  }

  /** Newest first. */
  listIncidents(q: IncidentQuery): Incident[] {
    const parts: string[] = [];
    const params: Record<string, string | number | null> = {};
    if (q.region !== undefined) { parts.push("region = @region"); params.region = q.region; }
    if (q.network !== undefined) { parts.push("network = @network"); params.network = q.network; }
    if (q.kind !== undefined) { parts.push("kind = @kind"); params.kind = q.kind; }
    if (q.status !== undefined) { parts.push("status = @status"); params.status = q.status; }
    if (q.since !== undefined) {
      parts.push("(ended_ms IS NULL OR ended_ms >= @since)");
      params.since = q.since.getTime();
    }
    if (q.until !== undefined) { parts.push("started_ms < @until"); params.until = q.until.getTime(); }
    params.limit = q.limit ?? -1;
    params.offset = q.offset ?? 0;
    const rows = this.stmts.get(`SELECT json FROM incidents
      WHERE ${parts.length ? parts.join(" AND ") : "1"}
      ORDER BY started_ms DESC, id LIMIT @limit OFFSET @offset`).all(params) as { json: string }[];
    return rows.map((r) => JSON.parse(r.json) as Incident);
  }
}
