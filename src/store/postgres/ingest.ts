// Ingest for the PostgreSQL store: one transaction per batch. Rows go in with one multi-row
// INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING, so the statement itself says which
// rows it stored; only those are folded into the rollups, last_seen and probe counters, in the same
// transaction. Two collectors inserting overlapping batches therefore never count a row twice (the
// second waits on the first's row and then skips it), and every key is written in sorted order so the
// two never deadlock on each other's rollup rows.
import type pg from "pg";
import { isLocalFailure, measurementFacts, type Measurement, type MeasurementFacts } from "../../measurement.js";
import { RollupBatch, SUM_COLUMNS, type NetworkDelta, type TargetDelta } from "../rollup-deltas.js";
import { encodeMeasurement } from "./codec.js";

const INSERT_MEASUREMENTS = `INSERT INTO measurements (started_ms, id, asn, tls_handshake_time, bytes_per_second,
    accessible, local_failure, probe_id, role, region, network, network_kind, url, list, category, started_at,
    received_at, blocking, failure, dns_failure, packed)
  SELECT * FROM unnest($1::int8[], $2::uuid[], $3::int8[], $4::float8[], $5::float8[], $6::bool[], $7::bool[],
    $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[],
    $17::text[], $18::text[], $19::text[], $20::text[], $21::bytea[])
  ON CONFLICT DO NOTHING
  RETURNING id::text AS id, started_ms`;

const TARGET_KEY = ["region", "bucket", "network", "probe_id", "list", "url", "role"];
const NETWORK_KEY = ["region", "bucket", "network", "role", "list"];
const SUM_TYPES = ["int4", "int4", "int4", "int4", "int4", "int4", "int4", "int4", "int4", "float8", "int4", "float8", "int4"];

function rollupUpsert(table: string, key: string[], attrs: string[]): string {
  const cols = [...key, ...attrs, ...SUM_COLUMNS, "last_ms"];
  const types = [...key.map((k) => (k === "bucket" ? "int8" : "text")), ...attrs.map(() => "text"), ...SUM_TYPES, "int8"];
  return `INSERT INTO ${table} (${cols.join(", ")})
    SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(", ")})
    ON CONFLICT (${key.join(", ")}) DO UPDATE SET
      ${SUM_COLUMNS.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(", ")},
      last_ms = GREATEST(${table}.last_ms, excluded.last_ms)`;
}

const UPSERTS = {
  minute: rollupUpsert("rollups_minute", TARGET_KEY, ["category"]),
  hour: rollupUpsert("rollups_hour", TARGET_KEY, ["category"]),
  networkMinute: rollupUpsert("network_rollups_minute", NETWORK_KEY, []),
  networkHour: rollupUpsert("network_rollups_hour", NETWORK_KEY, []),
};

const UPSERT_LAST_SEEN = `INSERT INTO last_seen (region, network, probe_id, last_ms)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[])
  ON CONFLICT (region, network, probe_id) DO UPDATE SET last_ms = GREATEST(last_seen.last_ms, excluded.last_ms)`;

// A probe first seen through its data gets the measurement's region; a configured one keeps its own.
const UPSERT_PROBES = `INSERT INTO probes (id, region, network, role, last_seen_ms, measurements)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[])
  ON CONFLICT (id) DO UPDATE SET last_seen_ms = GREATEST(COALESCE(probes.last_seen_ms, 0), excluded.last_seen_ms),
    measurements = probes.measurements + excluded.measurements`;

export interface Row {
  m: Measurement;
  f: MeasurementFacts;
  ms: number;
  key: string;
}

/** The batch without repeats (same id and time), in lock order, with each row's facts. */
export function prepareRows(batch: Measurement[]): Row[] {
  const rows = new Map<string, Row>();
  for (const m of batch) {
    const f = measurementFacts(m);
    const ms = Date.parse(f.startedAt);
    const key = `${f.id.toLowerCase()}|${ms}`;
    if (!rows.has(key)) rows.set(key, { m, f, ms, key });
  }
  return [...rows.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Column arrays, one per value, for an unnest() statement. */
function columns<T>(items: T[], width: number, values: (x: T) => unknown[]): unknown[][] {
  const cols: unknown[][] = Array.from({ length: width }, () => new Array(items.length));
  items.forEach((x, i) => values(x).forEach((v, c) => (cols[c]![i] = v)));
  return cols;
}

function sortedDeltas<D extends TargetDelta | NetworkDelta>(ds: D[]): D[] {
  const keyed = ds.map((d) => ({ d, k: d.cols.join("\u0001") }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.d);
}

async function upsertDeltas(client: pg.PoolClient, name: keyof typeof UPSERTS, ds: (TargetDelta | NetworkDelta)[]): Promise<void> {
  if (ds.length === 0) return;
  const sorted = sortedDeltas(ds);
  const width = sorted[0]!.cols.length + SUM_COLUMNS.length + 1;
  const values = columns(sorted, width, (d) => [...d.cols, ...d.sums.v, d.sums.lastMs]);
  await client.query({ name: `kw_rollup_${name}`, text: UPSERTS[name], values });
}

/** Inserts only the raw rows (no rollups); returns the keys ("id|ms") of the rows that were new. */
export async function insertRawRows(client: pg.PoolClient, rows: Row[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const values = columns(rows, 21, ({ m, f, ms }) => [ms, f.id, f.asn, f.tlsHandshakeTime, f.bytesPerSecond, f.accessible,
    isLocalFailure(m), f.probeId, f.role, f.region, f.network, f.networkKind, f.url, f.list, f.category, f.startedAt,
    f.receivedAt, f.blocking, f.failure, f.dnsFailure, encodeMeasurement(m)]);
  const res = await client.query<{ id: string; started_ms: number }>({ name: "kw_insert_measurements", text: INSERT_MEASUREMENTS, values });
  return new Set(res.rows.map((r) => `${r.id}|${r.started_ms}`));
}

/** Inserts the batch inside the caller's open transaction; returns how many rows were new. */
export async function insertBatch(client: pg.PoolClient, rows: Row[]): Promise<number> {
  if (rows.length === 0) return 0;
  const stored = await insertRawRows(client, rows);

  const rollups = new RollupBatch();
  const seen = new Map<string, { region: string; network: string; probeId: string; role: string; lastMs: number; n: number }>();
  for (const r of rows) {
    // Only rows this statement stored count; the volunteer's own outage is kept raw but never counted.
    if (!stored.has(r.key) || isLocalFailure(r.m)) continue;
    rollups.add(r.f, r.ms);
    const k = `${r.f.region}\u0001${r.f.network}\u0001${r.f.probeId}`;
    const s = seen.get(k);
    if (s) {
      s.lastMs = Math.max(s.lastMs, r.ms);
      s.n += 1;
    } else seen.set(k, { region: r.f.region, network: r.f.network, probeId: r.f.probeId, role: r.f.role, lastMs: r.ms, n: 1 });
  }
  const d = rollups.take();
  await upsertDeltas(client, "minute", d.minute);
  await upsertDeltas(client, "hour", d.hour);
  await upsertDeltas(client, "networkMinute", d.networkMinute);
  await upsertDeltas(client, "networkHour", d.networkHour);

  const lastSeen = [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  if (lastSeen.length > 0) {
    await client.query({ name: "kw_last_seen", text: UPSERT_LAST_SEEN,
      values: columns(lastSeen, 4, (s) => [s.region, s.network, s.probeId, s.lastMs]) });
    const perProbe = new Map<string, { probeId: string; region: string; network: string; role: string; lastMs: number; n: number }>();
    for (const s of lastSeen) {
      const p = perProbe.get(s.probeId);
      if (p) {
        p.lastMs = Math.max(p.lastMs, s.lastMs);
        p.n += s.n;
      } else perProbe.set(s.probeId, { ...s });
    }
    const probes = [...perProbe.values()].sort((a, b) => (a.probeId < b.probeId ? -1 : a.probeId > b.probeId ? 1 : 0));
    await client.query({ name: "kw_probes_seen", text: UPSERT_PROBES,
      values: columns(probes, 6, (p) => [p.probeId, p.region, p.network, p.role, p.lastMs, p.n]) });
  }
  return stored.size;
}
