// Reading measurements back from the PostgreSQL store: one by id, keyset-paged streams, and the facts the
// detector replays. Names and series ids are resolved through the process's name table (names.ts); which
// row forms a query must cover (pre-migration-4 rows or not) is the store's to know, so it is asked each time.
import type pg from "pg";
import type { Measurement, MeasurementFacts } from "../../measurement.js";
import type { MeasurementQuery } from "../store.js";
import { decodeMeasurement } from "./codec.js";
import { READ_COLUMNS, loadRowNames, rowContext, rowFacts, type FactsRow } from "./measurement-row.js";
import { measurementWhere } from "./measurement-query.js";
import type { PgNames } from "./names.js";
import type { PgCall } from "./runners.js";
import { MEASUREMENTS_WITH_SERIES } from "./series.js";

/** Rows as read for decoding: the facts and the stored measurement. */
const STORED_COLUMNS = `${READ_COLUMNS}, raw, packed`;
type StoredRow = FactsRow & { raw: string | null; packed: Buffer | null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class PgMeasurementReads {
  constructor(
    private readonly pool: pg.Pool,
    private readonly names: PgNames,
    private readonly call: PgCall,
    /** Whether rows from before PostgreSQL migration 4 may remain (changes at the store's migrate()). */
    private readonly legacyRows: () => boolean,
    /** Rows fetched per page by streamMeasurements (bounds its memory). */
    private readonly pageSize: number,
  ) {}

  async getMeasurement(id: string): Promise<Measurement | null> {
    if (!UUID.test(id)) return null; // not an id this store could hold (and not worth a cast error)
    const { rows } = await this.call(() => this.pool.query<StoredRow>(
      `SELECT ${STORED_COLUMNS} FROM ${MEASUREMENTS_WITH_SERIES} WHERE id = $1 ORDER BY started_ms LIMIT 1`, [id]));
    return rows[0] ? (await this.decode(rows))[0]! : null;
  }

  private async decode(rows: StoredRow[]): Promise<Measurement[]> {
    await this.call(() => loadRowNames(rows, this.names));
    return rows.map((r) => decodeMeasurement(r.packed, r.raw, rowContext(r, this.names)));
  }

  /** Keyset pages by (started_ms, id); each page is read whole, so no cursor stays open across a yield. */
  async *streamMeasurements(q: MeasurementQuery): AsyncIterable<Measurement> {
    let after: { ms: number; id: string } | null = null;
    for (;;) {
      const values: unknown[] = [];
      const where = await this.call(() => measurementWhere(q, this.names, this.legacyRows(), values));
      let keyset = "";
      if (after) {
        values.push(after.ms, after.id);
        keyset = ` AND (started_ms, id) > ($${values.length - 1}::int8, $${values.length}::uuid)`;
      }
      values.push(this.pageSize);
      const text = `SELECT ${STORED_COLUMNS} FROM ${MEASUREMENTS_WITH_SERIES} WHERE ${where.sql}${keyset}
        ORDER BY started_ms, id LIMIT $${values.length}`;
      const { rows } = await this.call(() => this.pool.query<StoredRow>(text, values));
      for (const m of await this.decode(rows)) yield m;
      const last = rows[rows.length - 1];
      if (!last || rows.length < this.pageSize) return;
      after = { ms: last.started_ms, id: last.id };
    }
  }

  async measurementFacts(q: MeasurementQuery): Promise<MeasurementFacts[]> {
    const where = await this.call(() => measurementWhere(q, this.names, this.legacyRows()));
    const { rows } = await this.call(() => this.pool.query<FactsRow>(`SELECT ${READ_COLUMNS} FROM ${MEASUREMENTS_WITH_SERIES}
      WHERE ${where.sql} AND NOT local_failure ORDER BY started_ms, id`, where.values));
    await this.call(() => loadRowNames(rows, this.names));
    return rows.map((r) => rowFacts(r, this.names));
  }
}
