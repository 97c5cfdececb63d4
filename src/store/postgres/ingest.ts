// Ingest for the PostgreSQL store: one transaction per batch. Rows go in with one multi-row
// INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING, so the statement itself says which
// rows it stored; only those are folded into the hour and network rollups, last_seen and probe counters
// (per-target minutes are read from the rows themselves, target-minutes.ts), in the same
// transaction. Two collectors inserting overlapping batches therefore never count a row twice (the
// second waits on the first's row and then skips it), and every key is written in sorted order so the
// two never deadlock on each other's rollup rows.
import type pg from "pg";
import { isLocalFailure, measurementFacts, type Measurement, type MeasurementFacts } from "../../measurement.js";
import { RollupBatch, SUM_COLUMNS, type NetworkDelta, type TargetDelta } from "../rollup-deltas.js";
import { binaryArray } from "./binary-array.js";
import { INSERT_COLUMNS, INSERT_TYPES, insertValues, rowNames } from "./measurement-row.js";
import type { PgNames } from "./names.js";
import type { PgSeries } from "./series.js";

const INSERT_MEASUREMENTS = `INSERT INTO measurements (${INSERT_COLUMNS.join(", ")})
  SELECT * FROM unnest(${INSERT_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(", ")})
  ON CONFLICT (id, started_ms) DO NOTHING
  RETURNING id::text AS id, started_ms`;

// Per-target rollups are keyed by name ids (PostgreSQL migration 4); the network rollups keep their strings.
const TARGET_KEY = ["region_ref", "bucket", "network_ref", "probe_ref", "list_ref", "url_ref", "role_ref"];
const NETWORK_KEY = ["region", "bucket", "network", "role", "list"];
const SUM_TYPES = ["int4", "int4", "int4", "int4", "int4", "int4", "int4", "int4", "int4", "float8", "int4", "float8", "int4"];

function rollupColumns(key: string[], attrs: string[]): { cols: string[]; types: string[] } {
  const type = (c: string) => (c === "bucket" ? "int8" : c.endsWith("_ref") ? "int4" : "text");
  return { cols: [...key, ...attrs, ...SUM_COLUMNS, "last_ms"], types: [...key.map(type), ...attrs.map(type), ...SUM_TYPES, "int8"] };
}

/** zeroAsNull: the per-target tables store a zero sum as NULL (PostgreSQL migration 4). */
function rollupUpsert(table: string, key: string[], attrs: string[], zeroAsNull: boolean): string {
  const { cols, types } = rollupColumns(key, attrs);
  const add = (c: string) => zeroAsNull
    ? `${c} = NULLIF(COALESCE(${table}.${c}, 0) + COALESCE(excluded.${c}, 0), 0)`
    : `${c} = ${table}.${c} + excluded.${c}`;
  return `INSERT INTO ${table} (${cols.join(", ")})
    SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(", ")})
    ON CONFLICT (${key.join(", ")}) DO UPDATE SET
      ${SUM_COLUMNS.map(add).join(", ")},
      last_ms = GREATEST(${table}.last_ms, excluded.last_ms)`;
}

const UPSERTS = {
  hour: rollupUpsert("rollups_hour", TARGET_KEY, ["category_ref"], true),
  networkMinute: rollupUpsert("network_rollups_minute", NETWORK_KEY, [], false),
  networkHour: rollupUpsert("network_rollups_hour", NETWORK_KEY, [], false),
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

function compareKeys(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** Each delta's key columns as stored (per-target rollups: names as ids), in lock order. */
function storedDeltas(ds: (TargetDelta | NetworkDelta)[], names: PgNames | null): { cols: (string | number)[]; d: TargetDelta | NetworkDelta }[] {
  const out = ds.map((d) => ({ d, cols: names ? d.cols.map((c, i) => (i === 1 ? c : names.idOf(c as string))) : [...d.cols] }));
  return out.sort((a, b) => compareKeys(a.cols, b.cols));
}

async function upsertDeltas(client: pg.PoolClient, name: keyof typeof UPSERTS, ds: (TargetDelta | NetworkDelta)[],
  names: PgNames | null): Promise<void> {
  if (ds.length === 0) return;
  const sorted = storedDeltas(ds, names);
  const width = sorted[0]!.cols.length + SUM_COLUMNS.length + 1;
  // Per-target rows (keyed by name ids) keep a zero sum as NULL.
  const sums = names ? (v: number[]) => v.map((x) => (x === 0 ? null : x)) : (v: number[]) => v;
  const values = columns(sorted, width, (x) => [...x.cols, ...sums(x.d.sums.v), x.d.sums.lastMs]);
  await client.query({ name: `kw_rollup_${name}`, text: UPSERTS[name], values });
}

/** Every string the batch's rows and rollups refer to by id (intern them, then the rows' series, before the transaction). */
export function batchNames(rows: Row[]): string[] {
  return rows.flatMap((r) => rowNames(r.f));
}

/** Inserts only the raw rows (no rollups); returns the keys ("id|ms") of the rows that were new. */
export async function insertRawRows(client: pg.PoolClient, rows: Row[], names: PgNames, series: PgSeries): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const cols = columns(rows, INSERT_COLUMNS.length, ({ m, f, ms }) => insertValues(m, f, ms, names, series));
  // The packed values in binary (binary-array.ts): as a text array every byte would be hex both ways.
  const values = cols.map((c, i) => (INSERT_TYPES[i] === "bytea" ? binaryArray("bytea", c) : c));
  const res = await client.query<{ id: string; started_ms: number }>({ name: "kw_insert_measurements", text: INSERT_MEASUREMENTS, values });
  return new Set(res.rows.map((r) => `${r.id}|${r.started_ms}`));
}

/** Inserts the batch inside the caller's open transaction; returns how many rows were new. */
export async function insertBatch(client: pg.PoolClient, rows: Row[], names: PgNames, series: PgSeries): Promise<number> {
  if (rows.length === 0) return 0;
  const stored = await insertRawRows(client, rows, names, series);

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
  // Per-target minutes are not written: they are summed from the live rows (PostgreSQL migration 6,
  // target-minutes.ts) and materialized only when retention removes the rows.
  const d = rollups.take();
  await upsertDeltas(client, "hour", d.hour, names);
  await upsertDeltas(client, "networkMinute", d.networkMinute, null);
  await upsertDeltas(client, "networkHour", d.networkHour, null);

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
