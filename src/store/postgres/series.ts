// Series of PostgreSQL measurement rows (migration 7, migration-series.ts): the eight name ids of a row
// (region, network, probe, role, URL, list, category, network kind) and its ASN, interned together in `series`
// and referenced by one 4-byte id, where a row carried seven more ids and an 8-byte ASN (region_ref stays on the
// row: the (started_ms, region_ref) index checks the region inside the index). A probe measures the same
// targets round after round, so a series is written once and then only referenced. Interned like names.ts:
// added in their own short statement before the batch's transaction (sorted, ON CONFLICT DO NOTHING), cached
// by this process; a series is never changed or deleted.
import type pg from "pg";
import type { MeasurementFacts } from "../../measurement.js";
import type { PgNames } from "./names.js";

/** The columns of a series besides its id, in this order everywhere. */
export const SERIES_COLUMNS = ["region_ref", "network_ref", "probe_ref", "role_ref", "url_ref", "list_ref", "category_ref",
  "kind_ref", "asn"] as const;
type SeriesValues = [number, number, number, number, number, number, number, number, number | null];

/**
 * measurements joined with their series, for SELECTs of rows of every form: the series' columns as s_* (so
 * unqualified names in a WHERE clause still mean the row's own columns). NULL for rows without a series.
 */
export function withSeries(rows: string, alias: string): string {
  return `${rows} LEFT JOIN (SELECT id AS s_id, ${SERIES_COLUMNS.map((c) => `${c} AS s_${c}`).join(", ")} FROM series) s
    ON s.s_id = ${alias}.series_ref`;
}
export const MEASUREMENTS_WITH_SERIES = withSeries("measurements", "measurements");

/** A row's own column, else its series' (rows of migrations 4-6 have the former, rows since 7 the latter). */
export function ownOrSeries(column: (typeof SERIES_COLUMNS)[number]): string {
  return `COALESCE(${column}, s_${column})`;
}

export class PgSeries {
  private readonly ids = new Map<string, number>();

  constructor(private readonly pool: pg.Pool) {}

  private static values(f: MeasurementFacts, names: PgNames): SeriesValues {
    return [names.idOf(f.region), names.idOf(f.network), names.idOf(f.probeId), names.idOf(f.role), names.idOf(f.url),
      names.idOf(f.list), names.idOf(f.category), names.idOf(f.networkKind), f.asn];
  }

  private static key(v: readonly unknown[]): string {
    return v.map((x) => (x === null ? "" : String(x))).join(",");
  }

  /**
   * The id of each row's series, in order (names interned first), adding the series not stored yet. Each row's
   * key is computed once here; ingest keeps the ids with its rows rather than looking them up again.
   */
  async intern(facts: readonly MeasurementFacts[], names: PgNames): Promise<number[]> {
    const keys = new Array<string>(facts.length);
    const missing = new Map<string, SeriesValues>();
    for (let i = 0; i < facts.length; i++) {
      const v = PgSeries.values(facts[i]!, names);
      const k = (keys[i] = PgSeries.key(v));
      if (!this.ids.has(k)) missing.set(k, v);
    }
    if (missing.size > 0) await this.add(missing);
    return keys.map((k) => this.ids.get(k)!);
  }

  private async add(missing: Map<string, SeriesValues>): Promise<void> {
    // Sorted, so two processes adding overlapping series take the unique index's locks in the same order.
    const rows = [...missing.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
    const cols = SERIES_COLUMNS.map((_, i) => rows.map((r) => r[i]));
    const types = SERIES_COLUMNS.map((c) => (c === "asn" ? "int8" : "int4"));
    await this.pool.query({ name: "kw_series_add", text: `INSERT INTO series (${SERIES_COLUMNS.join(", ")})
      SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(", ")}) ON CONFLICT DO NOTHING`, values: cols });
    const found = await this.pool.query<Record<string, number | string | null>>({ name: "kw_series_find",
      text: `SELECT s.id, ${SERIES_COLUMNS.map((c) => `s.${c}`).join(", ")}
        FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(", ")}) AS u (${SERIES_COLUMNS.join(", ")})
        JOIN series s ON ${SERIES_COLUMNS.map((c) => (c === "asn" ? `s.asn IS NOT DISTINCT FROM u.asn` : `s.${c} = u.${c}`)).join(" AND ")}`,
      values: cols });
    for (const r of found.rows) {
      this.ids.set(PgSeries.key(SERIES_COLUMNS.map((c) => (r[c] === null ? null : Number(r[c])))), Number(r.id));
    }
    for (const k of missing.keys()) if (!this.ids.has(k)) throw new Error(`series: ${k} was not stored`);
  }
}
