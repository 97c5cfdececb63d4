// The WHERE clause of a MeasurementQuery on PostgreSQL's measurements, for rows of both forms: since
// PostgreSQL migration 4 a row names its region, network, probe and role by id (*_ref), since migration 7 all
// but its region through its series (series.ts), rows from before 4 by text. A name matches the id column, the
// row's series, or the text column while old rows may remain.
import type { MeasurementQuery } from "../store.js";
import type { PgNames } from "./names.js";

/** The query's name filters: text column and id column. */
const NAMED = [["region", "region", "region_ref"], ["network", "network", "network_ref"], ["probeId", "probe_id", "probe_ref"],
  ["role", "role", "role_ref"]] as const;

/** WHERE clause and positional values (appended to `values`); `legacy`: rows in the text form may remain. */
export async function measurementWhere(q: MeasurementQuery, names: PgNames, legacy: boolean,
  values: unknown[] = []): Promise<{ sql: string; values: unknown[] }> {
  const parts: string[] = [];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  for (const [field, text, ref] of NAMED) {
    const name = q[field];
    if (name === undefined) continue;
    const id = await names.find(name);
    const ids: string[] = [];
    if (id !== null) {
      const p = param(id);
      ids.push(`${ref} = ${p}`);
      // Since migration 7 a row's other ids are its series' (series.ts); the region stays on the row.
      if (ref !== "region_ref") ids.push(`series_ref = ANY (ARRAY(SELECT id FROM series WHERE ${ref} = ${p}))`);
    }
    const alternatives = [...ids, ...(legacy ? [`${text} = ${param(name)}`] : [])];
    // A name no row can hold (never stored, and no old rows) matches nothing.
    parts.push(alternatives.length === 0 ? "FALSE" : alternatives.length === 1 ? alternatives[0]! : `(${alternatives.join(" OR ")})`);
  }
  if (q.since !== undefined) parts.push(`started_ms >= ${param(q.since.getTime())}`);
  if (q.until !== undefined) parts.push(`started_ms < ${param(q.until.getTime())}`);
  return { sql: parts.length ? parts.join(" AND ") : "TRUE", values };
}
