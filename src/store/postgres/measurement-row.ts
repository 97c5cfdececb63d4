// How a measurement becomes a row of PostgreSQL's `measurements` and back, in every form rows have:
// since migration 4 the strings are ids into `names` (*_ref columns), the start time only as started_ms
// (started_at text only when toISOString would not give it back), receivedAt as ms after the start
// (received_after_ms; else its text); since migration 7 the ids but the region's are one series id (series.ts);
// rows written before keep their ids, or every fact as text, and read as they were.
import { isLocalFailure, type Measurement, type MeasurementFacts } from "../../measurement.js";
import type { CodecContext } from "../measurement-codec.js";
import { encodeMeasurement } from "./codec.js";
import type { PgNames } from "./names.js";
import { ownOrSeries } from "./series.js";

/** The strings a measurement's row refers to by id. */
export function rowNames(f: MeasurementFacts): string[] {
  return [f.region, f.network, f.probeId, f.role, f.url, f.list, f.category, f.networkKind];
}

const INT4_MAX = 2 ** 31 - 1;

/** started_at: NULL when started_ms gives it back exactly. */
function startedText(f: MeasurementFacts, ms: number): string | null {
  return Number.isFinite(ms) && new Date(ms).toISOString() === f.startedAt ? null : f.startedAt;
}

/** [received_after_ms, received_at]: the offset when exact and in int4 range, else the text. */
function received(iso: string | null, startedMs: number): [number | null, string | null] {
  if (iso === null) return [null, null];
  const ms = Date.parse(iso);
  const after = ms - startedMs;
  return Number.isFinite(ms) && new Date(ms).toISOString() === iso && Math.abs(after) <= INT4_MAX ? [after, null] : [null, iso];
}

/** INSERT column list; insertValues() gives each row's values in this order. Since PostgreSQL migration 7 the
 * other name ids and the ASN are the row's series' (series.ts); the row keeps region_ref for its time index. */
export const INSERT_COLUMNS = ["started_ms", "id", "tls_handshake_time", "bytes_per_second", "accessible", "local_failure",
  "region_ref", "series_ref", "started_at", "received_after_ms", "received_at", "blocking", "failure", "dns_failure", "packed"] as const;
export const INSERT_TYPES = ["int8", "uuid", "float8", "float8", "bool", "bool", "int4", "int4", "text", "int4", "text", "text",
  "text", "text", "bytea"] as const;

/** A row's values (names interned first; seriesRef from PgSeries.intern). */
export function insertValues(m: Measurement, f: MeasurementFacts, ms: number, names: PgNames, seriesRef: number): unknown[] {
  const [after, receivedText] = received(f.receivedAt, ms);
  return [ms, f.id, f.tlsHandshakeTime, f.bytesPerSecond, f.accessible, isLocalFailure(m), names.idOf(f.region),
    seriesRef, startedText(f, ms), after, receivedText, f.blocking, f.failure, f.dnsFailure, encodeMeasurement(m)];
}

/** Columns read for facts and decoding (FactsRow), every form, FROM MEASUREMENTS_WITH_SERIES. */
export const READ_COLUMNS = `id::text AS id, started_ms, started_at, received_at, received_after_ms, ${ownOrSeries("asn")} AS asn,
  accessible, blocking, failure, dns_failure, tls_handshake_time, bytes_per_second,
  probe_id, role, region, network, network_kind, url, list, category, region_ref,
  ${(["probe_ref", "role_ref", "network_ref", "kind_ref", "url_ref", "list_ref", "category_ref"] as const)
    .map((c) => `${ownOrSeries(c)} AS ${c}`).join(", ")}`;

export interface FactsRow {
  id: string;
  started_ms: number;
  started_at: string | null;
  received_at: string | null;
  received_after_ms: number | null;
  asn: number | null;
  accessible: boolean;
  blocking: string | null;
  failure: string | null;
  dns_failure: string | null;
  tls_handshake_time: number | null;
  bytes_per_second: number | null;
  probe_id: string | null; role: string | null; region: string | null; network: string | null;
  network_kind: string | null; url: string | null; list: string | null; category: string | null;
  probe_ref: number | null; role_ref: number | null; region_ref: number | null; network_ref: number | null;
  kind_ref: number | null; url_ref: number | null; list_ref: number | null; category_ref: number | null;
}

const REFS = ["probe_ref", "role_ref", "region_ref", "network_ref", "kind_ref", "url_ref", "list_ref", "category_ref"] as const;

/** Reads the names behind every id of the rows (once per id per process). */
export function loadRowNames(rows: FactsRow[], names: PgNames): Promise<void> {
  const ids: (number | null)[] = [];
  for (const r of rows) for (const c of REFS) ids.push(r[c]);
  return names.load(ids);
}

function text(v: string | null, ref: number | null, names: PgNames): string {
  if (v !== null) return v;
  if (ref === null) throw new Error("measurement row has neither the text nor the id of a fact (database damaged?)");
  return names.name(ref);
}

function receivedAt(r: FactsRow): string | null {
  return r.received_after_ms === null ? r.received_at : new Date(r.started_ms + r.received_after_ms).toISOString();
}

export function rowFacts(r: FactsRow, names: PgNames): MeasurementFacts {
  return {
    id: r.id,
    probeId: text(r.probe_id, r.probe_ref, names),
    role: text(r.role, r.role_ref, names) as MeasurementFacts["role"],
    region: text(r.region, r.region_ref, names),
    network: text(r.network, r.network_ref, names),
    asn: r.asn,
    networkKind: text(r.network_kind, r.kind_ref, names) as MeasurementFacts["networkKind"],
    url: text(r.url, r.url_ref, names),
    list: text(r.list, r.list_ref, names) as MeasurementFacts["list"],
    category: text(r.category, r.category_ref, names),
    startedAt: r.started_at ?? new Date(r.started_ms).toISOString(),
    receivedAt: receivedAt(r),
    accessible: r.accessible,
    blocking: r.blocking,
    failure: r.failure,
    dnsFailure: r.dns_failure,
    tlsHandshakeTime: r.tls_handshake_time,
    bytesPerSecond: r.bytes_per_second,
  };
}

/** The codec context of a row (the facts its packed value was encoded against). */
export function rowContext(r: FactsRow, names: PgNames): CodecContext {
  return {
    id: r.id, probeId: text(r.probe_id, r.probe_ref, names), region: text(r.region, r.region_ref, names),
    network: text(r.network, r.network_ref, names), url: text(r.url, r.url_ref, names),
    category: text(r.category, r.category_ref, names), startedMs: r.started_ms, receivedAt: receivedAt(r),
  };
}
