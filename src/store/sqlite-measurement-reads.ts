// Reads of raw measurement rows: one by id, a filtered stream in keyset pages, and the facts detectors
// replay. Kept beside sqlite.ts so that file stays readable. Takes SqliteStore's lock-aware runner because a
// stream runs one statement per page, yielding between them.
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { Measurement, MeasurementFacts } from "../measurement.js";
import type { NameTable } from "./sqlite-names.js";
import { READ_COLUMNS, packId, rowFacts, rowMeasurement, type FactsRow } from "./sqlite-measurement-row.js";
import type { SqliteCall, StatementCache } from "./sqlite-statements.js";
import type { MeasurementQuery } from "./store.js";

/** A name id no row holds: what a filter on a name never stored compares with. */
const NO_NAME = -1;

/** WHERE clause (without the keyword) and named parameters for a MeasurementQuery. */
function measurementWhere(q: MeasurementQuery, names: NameTable): { sql: string; params: Record<string, string | number> } {
  const parts: string[] = [];
  const params: Record<string, string | number> = {};
  const ref = (name: string) => names.find(name) ?? NO_NAME;
  if (q.region !== undefined) { parts.push("region_ref = @region"); params.region = ref(q.region); }
  if (q.network !== undefined) { parts.push("network_ref = @network"); params.network = ref(q.network); }
  if (q.probeId !== undefined) { parts.push("probe_ref = @probeId"); params.probeId = ref(q.probeId); }
  if (q.role !== undefined) { parts.push("role_ref = @role"); params.role = ref(q.role); }
  if (q.since !== undefined) { parts.push("started_ms >= @since"); params.since = q.since.getTime(); }
  if (q.until !== undefined) { parts.push("started_ms < @until"); params.until = q.until.getTime(); }
  return { sql: parts.length ? parts.join(" AND ") : "1", params };
}

export class MeasurementReads {
  constructor(
    private readonly stmts: StatementCache,
    private readonly names: NameTable,
    private readonly call: SqliteCall,
    /** Rows fetched per page by streamMeasurements (bounds its memory). */
    private readonly pageSize: number,
  ) {}

  async getMeasurement(id: string): Promise<Measurement | null> {
    const row = await this.call(() => this.stmts.get(`SELECT ${READ_COLUMNS}, raw FROM measurements WHERE id = ?`).get(packId(id))) as
      (FactsRow & { raw: Buffer }) | undefined;
    return row ? rowMeasurement(row, this.names) : null;
  }

  /**
   * Keyset pages by (started_ms, id). Each page is read whole before yielding: an iterator left open
   * across an await would keep the connection busy and block every other statement of this store.
   */
  async *streamMeasurements(q: MeasurementQuery): AsyncIterable<Measurement> {
    const where = measurementWhere(q, this.names);
    const first = this.stmts.get(`SELECT ${READ_COLUMNS}, raw FROM measurements WHERE ${where.sql}
      ORDER BY started_ms, id LIMIT @limit`);
    // started_ms >= first, so the time index bounds the scan whatever the OR does.
    const next = this.stmts.get(`SELECT ${READ_COLUMNS}, raw FROM measurements WHERE ${where.sql}
      AND started_ms >= @afterMs AND (started_ms > @afterMs OR id > @afterId)
      ORDER BY started_ms, id LIMIT @limit`);
    let after: { ms: number; id: Buffer | string } | null = null;
    for (;;) {
      const from = after;
      const page = await this.call(() => (from === null
        ? first.all({ ...where.params, limit: this.pageSize })
        : next.all({ ...where.params, limit: this.pageSize, afterMs: from.ms, afterId: from.id })
      )) as (FactsRow & { raw: Buffer })[];
      const decoded = page.map((row) => rowMeasurement(row, this.names));
      for (const m of decoded) yield m;
      const last = page[page.length - 1];
      if (!last || page.length < this.pageSize) return;
      after = { ms: last.started_ms, id: last.id };
      await yieldToEventLoop();
    }
  }

  async measurementFacts(q: MeasurementQuery): Promise<MeasurementFacts[]> {
    const where = measurementWhere(q, this.names);
    const rows = await this.call(() => this.stmts.get(`SELECT ${READ_COLUMNS} FROM measurements WHERE ${where.sql}
      AND local_failure = 0 ORDER BY started_ms, id`).all(where.params)) as FactsRow[];
    return rows.map((r) => rowFacts(r, this.names));
  }
}
