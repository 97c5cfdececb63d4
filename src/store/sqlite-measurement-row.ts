// How a measurement becomes a row of the SQLite `measurements` table (schema version 6) and back: the facts
// the queries filter and sum on as small columns (strings as ids into `names`, times as epoch ms, a
// canonical UUID as 16 bytes), the measurement itself in the codec's compact form. Every value is kept
// exactly: a time that is not in toISOString's form, or an id that is not a lower-case UUID, is stored as
// the text it was.
import { isUncounted, measurementFacts, type Measurement, type MeasurementFacts } from "../measurement.js";
import { decodeMeasurement } from "./measurement-codec.js";
import type { NameTable } from "./sqlite-names.js";

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The id column's value: 16 bytes for a lower-case UUID (what probes send), else the text as given. */
export function packId(id: string): Buffer | string {
  return CANONICAL_UUID.test(id) ? Buffer.from(id.replaceAll("-", ""), "hex") : id;
}

export function unpackId(v: Buffer | string): string {
  if (typeof v === "string") return v;
  const h = v.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * receivedAt as ms after started_ms (a few seconds: 2-3 bytes instead of 6) when toISOString gives it back
 * exactly, else its text.
 */
export function packReceived(iso: string, startedMs: number): number | string {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && new Date(ms).toISOString() === iso ? ms - startedMs : iso;
}

export function unpackReceived(v: number | string | null, startedMs: number): string | null {
  return typeof v === "number" ? new Date(startedMs + v).toISOString() : v;
}

/** Columns written by insert, in INSERT_COLUMNS order. */
export const INSERT_COLUMNS = `id, started_ms, started_at, received_at, region_ref, network_ref, probe_ref, role_ref, url_ref,
  list_ref, category_ref, kind_ref, asn, accessible, blocking, failure, dns_failure, tls_handshake_time, bytes_per_second,
  local_failure, raw`;

/** Columns read back for facts and for decoding (FactsRow). */
export const READ_COLUMNS = `id, started_ms, started_at, received_at, region_ref, network_ref, probe_ref, role_ref, url_ref,
  list_ref, category_ref, kind_ref, asn, accessible, blocking, failure, dns_failure, tls_handshake_time, bytes_per_second`;

export interface FactsRow {
  id: Buffer | string;
  started_ms: number;
  started_at: string | null;
  received_at: number | string | null;
  region_ref: number;
  network_ref: number;
  probe_ref: number;
  role_ref: number;
  url_ref: number;
  list_ref: number;
  category_ref: number;
  kind_ref: number;
  asn: number | null;
  accessible: number;
  blocking: string | null;
  failure: string | null;
  dns_failure: string | null;
  tls_handshake_time: number | null;
  bytes_per_second: number | null;
}

/**
 * The row of a measurement whose stored form (measurement-codec.ts) is `raw`: encoded by the caller, outside
 * the write transaction, so compressing never holds the lock. `localFailure` (the local_failure column: "not
 * counted", a local outage or another network's) overrides the flag (a migration keeps what the old row said).
 */
export function measurementRow(m: Measurement, names: NameTable, raw: Buffer,
  localFailure = isUncounted(m)): { facts: MeasurementFacts; startedMs: number; values: unknown[] } {
  const f = measurementFacts(m);
  const startedMs = Date.parse(f.startedAt);
  const values = [
    packId(f.id), startedMs, new Date(startedMs).toISOString() === f.startedAt ? null : f.startedAt,
    f.receivedAt === null ? null : packReceived(f.receivedAt, startedMs),
    names.idFor(f.region), names.idFor(f.network), names.idFor(f.probeId), names.idFor(f.role), names.idFor(f.url),
    names.idFor(f.list), names.idFor(f.category), names.idFor(f.networkKind), f.asn,
    f.accessible ? 1 : 0, f.blocking, f.failure, f.dnsFailure, f.tlsHandshakeTime, f.bytesPerSecond, localFailure ? 1 : 0,
    raw,
  ];
  return { facts: f, startedMs, values };
}

export function rowFacts(r: FactsRow, names: NameTable): MeasurementFacts {
  return {
    id: unpackId(r.id),
    probeId: names.name(r.probe_ref),
    role: names.name(r.role_ref) as MeasurementFacts["role"],
    region: names.name(r.region_ref),
    network: names.name(r.network_ref),
    asn: r.asn,
    networkKind: names.name(r.kind_ref) as MeasurementFacts["networkKind"],
    url: names.name(r.url_ref),
    list: names.name(r.list_ref) as MeasurementFacts["list"],
    category: names.name(r.category_ref),
    startedAt: r.started_at ?? new Date(r.started_ms).toISOString(),
    receivedAt: unpackReceived(r.received_at, r.started_ms),
    accessible: r.accessible === 1,
    blocking: r.blocking,
    failure: r.failure,
    dnsFailure: r.dns_failure,
    tlsHandshakeTime: r.tls_handshake_time,
    bytesPerSecond: r.bytes_per_second,
  };
}

/** The stored measurement of a row read with READ_COLUMNS plus raw. */
export function rowMeasurement(r: FactsRow & { raw: Buffer | string }, names: NameTable): Measurement {
  return decodeMeasurement(r.raw, {
    id: unpackId(r.id), probeId: names.name(r.probe_ref), region: names.name(r.region_ref), network: names.name(r.network_ref),
    url: names.name(r.url_ref), category: names.name(r.category_ref), startedMs: r.started_ms,
    receivedAt: unpackReceived(r.received_at, r.started_ms),
  });
}
