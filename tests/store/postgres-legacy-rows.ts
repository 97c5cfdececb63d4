// What older PostgreSQL schema versions stored, for migration tests: versions 2-3 measurements with every fact
// as text and the codec's packed value, per-target rollups keyed by text, written with plain SQL exactly as the
// version-3 store's ingest did (same keys, same deltas from rollup-deltas.ts, same encoding); versions 4-6 rows
// with name ids and no series, with the rollups those versions wrote.
import type pg from "pg";
import { isLocalFailure, measurementFacts, type Measurement, type MeasurementFacts } from "../../src/measurement.js";
import { encodeMeasurement } from "../../src/store/postgres/codec.js";
import { RollupBatch, SUM_COLUMNS, type NetworkDelta, type TargetDelta } from "../../src/store/rollup-deltas.js";

const TARGET = "region, bucket, network, probe_id, list, url, role, category";
const NETWORK = "region, bucket, network, role, list";

async function upsert(c: pg.Pool, table: string, key: string, ds: (TargetDelta | NetworkDelta)[]): Promise<void> {
  const keyCols = key.split(", ").filter((k) => k !== "category");
  for (const d of ds) {
    const values = [...d.cols, ...d.sums.v, d.sums.lastMs];
    await c.query(`INSERT INTO ${table} (${key}, ${SUM_COLUMNS.join(", ")}, last_ms)
      VALUES (${values.map((_, i) => `$${i + 1}`).join(", ")})
      ON CONFLICT (${keyCols.join(", ")}) DO UPDATE SET ${SUM_COLUMNS.map((s) => `${s} = ${table}.${s} + excluded.${s}`).join(", ")},
        last_ms = GREATEST(${table}.last_ms, excluded.last_ms)`, values);
  }
}

/** last_seen and probes as every stored version kept them (text keys), for one counted measurement. */
async function recordSeen(c: pg.Pool, f: MeasurementFacts, ms: number): Promise<void> {
  await c.query(`INSERT INTO last_seen (region, network, probe_id, last_ms) VALUES ($1, $2, $3, $4)
    ON CONFLICT (region, network, probe_id) DO UPDATE SET last_ms = GREATEST(last_seen.last_ms, excluded.last_ms)`,
  [f.region, f.network, f.probeId, ms]);
  await c.query(`INSERT INTO probes (id, region, network, role, last_seen_ms, measurements) VALUES ($1, $2, $3, $4, $5, 1)
    ON CONFLICT (id) DO UPDATE SET last_seen_ms = GREATEST(COALESCE(probes.last_seen_ms, 0), excluded.last_seen_ms),
      measurements = probes.measurements + 1`, [f.probeId, f.region, f.network, f.role, ms]);
}

/** Inserts measurements (new ids only) the way the version-3 store did, with their rollups, last_seen and probes. */
export async function insertLegacyPgMeasurements(c: pg.Pool, batch: readonly Measurement[]): Promise<void> {
  const rollups = new RollupBatch();
  for (const m of batch) {
    const f = measurementFacts(m);
    const ms = Date.parse(f.startedAt);
    await c.query(`INSERT INTO measurements (started_ms, id, asn, tls_handshake_time, bytes_per_second, accessible,
        local_failure, probe_id, role, region, network, network_kind, url, list, category, started_at, received_at, blocking,
        failure, dns_failure, packed)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
    [ms, f.id, f.asn, f.tlsHandshakeTime, f.bytesPerSecond, f.accessible, isLocalFailure(m), f.probeId, f.role, f.region,
      f.network, f.networkKind, f.url, f.list, f.category, f.startedAt, f.receivedAt, f.blocking, f.failure, f.dnsFailure,
      encodeMeasurement(m)]);
    if (isLocalFailure(m)) continue;
    rollups.add(f, ms);
    await recordSeen(c, f, ms);
  }
  const d = rollups.take();
  await upsert(c, "rollups_minute", TARGET, d.minute);
  await upsert(c, "rollups_hour", TARGET, d.hour);
  await upsert(c, "network_rollups_minute", NETWORK, d.networkMinute);
  await upsert(c, "network_rollups_hour", NETWORK, d.networkHour);
}

/**
 * The per-target minute rows the version-4 and -5 stores' ingest wrote for a batch of new measurements (one row
 * per key and batch; since version 6 ingest writes none): name ids as the store interned them, zero sums NULL.
 */
export async function appendVersion5MinuteRows(c: pg.Pool, batch: readonly Measurement[]): Promise<void> {
  const rollups = new RollupBatch();
  for (const m of batch) if (!isLocalFailure(m)) rollups.add(measurementFacts(m), Date.parse(measurementFacts(m).startedAt));
  const id = (i: number) => `(SELECT id FROM names WHERE name = $${i})`;
  for (const d of rollups.take().minute) {
    const [region, bucket, network, probeId, list, url, role, category] = d.cols;
    await c.query(`INSERT INTO rollups_minute (region_ref, bucket, network_ref, probe_ref, list_ref, url_ref, role_ref, category_ref,
        ${SUM_COLUMNS.join(", ")}, last_ms)
      VALUES (${id(1)}, $2, ${id(3)}, ${id(4)}, ${id(5)}, ${id(6)}, ${id(7)}, ${id(8)}, ${SUM_COLUMNS.map((_, i) => `$${9 + i}`).join(", ")},
        $${9 + SUM_COLUMNS.length})`,
    [region, bucket, network, probeId, list, url, role, category, ...d.sums.v.map((v) => (v === 0 ? null : v)), d.sums.lastMs]);
  }
}

const ROW_REFS = "region_ref, network_ref, probe_ref, role_ref, url_ref, list_ref, category_ref, kind_ref";
const HOUR_KEY = ["region_ref", "bucket", "network_ref", "probe_ref", "list_ref", "url_ref", "role_ref"];

/**
 * Inserts measurements (new ids only) the way the version 4-6 stores did: rows with their names as ids and the
 * ASN (no series), per-target hour rows by id (a zero sum as NULL), network rollups, last_seen and probes; and,
 * unless minuteRows is false (version 6), the per-target minute rows of versions 4-5.
 */
export async function insertVersion5Measurements(c: pg.Pool, batch: readonly Measurement[], { minuteRows = true } = {}): Promise<void> {
  const rollups = new RollupBatch();
  const id = (i: number) => `(SELECT id FROM names WHERE name = $${i})`;
  for (const m of batch) {
    const f = measurementFacts(m);
    const ms = Date.parse(f.startedAt);
    const names = [f.region, f.network, f.probeId, f.role, f.url, f.list, f.category, f.networkKind];
    await c.query("INSERT INTO names (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING", [names]);
    await c.query(`INSERT INTO measurements (${ROW_REFS}, started_ms, id, asn, tls_handshake_time, bytes_per_second, accessible,
        local_failure, started_at, received_at, blocking, failure, dns_failure, packed)
      VALUES (${names.map((_, i) => id(i + 1)).join(", ")}, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
    [...names, ms, f.id, f.asn, f.tlsHandshakeTime, f.bytesPerSecond, f.accessible, isLocalFailure(m),
      new Date(ms).toISOString() === f.startedAt ? null : f.startedAt, f.receivedAt, f.blocking, f.failure, f.dnsFailure,
      encodeMeasurement(m)]);
    if (isLocalFailure(m)) continue;
    rollups.add(f, ms);
    await recordSeen(c, f, ms);
  }
  const d = rollups.take();
  for (const h of d.hour) {
    const [region, bucket, network, probeId, list, url, role, category] = h.cols;
    await c.query(`INSERT INTO rollups_hour (${HOUR_KEY.join(", ")}, category_ref, ${SUM_COLUMNS.join(", ")}, last_ms)
      VALUES (${id(1)}, $2, ${id(3)}, ${id(4)}, ${id(5)}, ${id(6)}, ${id(7)}, ${id(8)}, ${SUM_COLUMNS.map((_, i) => `$${9 + i}`).join(", ")},
        $${9 + SUM_COLUMNS.length})
      ON CONFLICT (${HOUR_KEY.join(", ")}) DO UPDATE SET
        ${SUM_COLUMNS.map((s) => `${s} = NULLIF(COALESCE(rollups_hour.${s}, 0) + COALESCE(excluded.${s}, 0), 0)`).join(", ")},
        last_ms = GREATEST(rollups_hour.last_ms, excluded.last_ms)`,
    [region, bucket, network, probeId, list, url, role, category, ...h.sums.v.map((v) => (v === 0 ? null : v)), h.sums.lastMs]);
  }
  await upsert(c, "network_rollups_minute", NETWORK, d.networkMinute);
  await upsert(c, "network_rollups_hour", NETWORK, d.networkHour);
  if (minuteRows) await appendVersion5MinuteRows(c, batch);
}
