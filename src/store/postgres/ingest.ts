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
import { binaryArray, type ElementType } from "./binary-array.js";
import { INSERT_COLUMNS, INSERT_TYPES, insertValues, rowNames } from "./measurement-row.js";
import type { PgNames } from "./names.js";

/** `unnest($1::T1[], $2::T2[], …)`: the casts come from the same list the binary arrays are built with. */
function unnestOf(types: readonly ElementType[]): string {
  return `unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(", ")})`;
}

export const INSERT_MEASUREMENTS = `INSERT INTO measurements (${INSERT_COLUMNS.join(", ")})
  SELECT * FROM ${unnestOf(INSERT_TYPES)}
  ON CONFLICT (id, started_ms) DO NOTHING
  RETURNING id::text AS id, started_ms`;

// Per-target rollups are keyed by name ids (PostgreSQL migration 4); the network rollups keep their strings.
const TARGET_KEY = ["region_ref", "bucket", "network_ref", "probe_ref", "list_ref", "url_ref", "role_ref"];
const NETWORK_KEY = ["region", "bucket", "network", "role", "list"];
const SUM_TYPES: ElementType[] = ["int4", "int4", "int4", "int4", "int4", "int4", "int4", "int4", "int4", "float8", "int4", "float8", "int4"];

function rollupColumns(key: string[], attrs: string[]): { cols: string[]; types: ElementType[] } {
  const type = (c: string): ElementType => (c === "bucket" ? "int8" : c.endsWith("_ref") ? "int4" : "text");
  return { cols: [...key, ...attrs, ...SUM_COLUMNS, "last_ms"], types: [...key.map(type), ...attrs.map(type), ...SUM_TYPES, "int8"] };
}

/** zeroAsNull: the per-target tables store a zero sum as NULL (PostgreSQL migration 4). */
function rollupUpsert(table: string, key: string[], attrs: string[], zeroAsNull: boolean): { text: string; types: ElementType[] } {
  const { cols, types } = rollupColumns(key, attrs);
  const add = (c: string) => zeroAsNull
    ? `${c} = NULLIF(COALESCE(${table}.${c}, 0) + COALESCE(excluded.${c}, 0), 0)`
    : `${c} = ${table}.${c} + excluded.${c}`;
  const text = `INSERT INTO ${table} (${cols.join(", ")})
    SELECT * FROM ${unnestOf(types)}
    ON CONFLICT (${key.join(", ")}) DO UPDATE SET
      ${SUM_COLUMNS.map(add).join(", ")},
      last_ms = GREATEST(${table}.last_ms, excluded.last_ms)`;
  return { text, types };
}

const UPSERTS = {
  hour: rollupUpsert("rollups_hour", TARGET_KEY, ["category_ref"], true),
  networkMinute: rollupUpsert("network_rollups_minute", NETWORK_KEY, [], false),
  networkHour: rollupUpsert("network_rollups_hour", NETWORK_KEY, [], false),
};

const LAST_SEEN_TYPES: ElementType[] = ["text", "text", "text", "int8"];
const UPSERT_LAST_SEEN = `INSERT INTO last_seen (region, network, probe_id, last_ms)
  SELECT * FROM ${unnestOf(LAST_SEEN_TYPES)}
  ON CONFLICT (region, network, probe_id) DO UPDATE SET last_ms = GREATEST(last_seen.last_ms, excluded.last_ms)`;

// A probe first seen through its data gets the measurement's region; a configured one keeps its own.
const PROBES_TYPES: ElementType[] = ["text", "text", "text", "text", "int8", "int8"];
const UPSERT_PROBES = `INSERT INTO probes (id, region, network, role, last_seen_ms, measurements)
  SELECT * FROM ${unnestOf(PROBES_TYPES)}
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

/** The parameters of an unnest() statement: one binary array (binary-array.ts) per column, of each item's values. */
function columns<T>(items: T[], types: readonly ElementType[], values: (x: T, i: number) => unknown[]): Buffer[] {
  const cols: unknown[][] = Array.from({ length: types.length }, () => new Array(items.length));
  for (let i = 0; i < items.length; i++) {
    const row = values(items[i]!, i);
    for (let c = 0; c < row.length; c++) cols[c]![i] = row[c];
  }
  return cols.map((col, c) => binaryArray(types[c]!, col));
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
  // Per-target rows (keyed by name ids) keep a zero sum as NULL.
  const sums = names ? (v: number[]) => v.map((x) => (x === 0 ? null : x)) : (v: number[]) => v;
  const values = columns(sorted, UPSERTS[name].types, (x) => [...x.cols, ...sums(x.d.sums.v), x.d.sums.lastMs]);
  await client.query({ name: `kw_rollup_${name}`, text: UPSERTS[name].text, values });
}

/** Every string the batch's rows and rollups refer to by id (intern them, then the rows' series, before the transaction). */
export function batchNames(rows: Row[]): string[] {
  const out: string[] = [];
  for (const r of rows) for (const n of rowNames(r.f)) out.push(n);
  return out;
}

/**
 * Inserts only the raw rows (no rollups); returns the keys ("id|ms") of the rows that were new. seriesRefs: each
 * row's series id, in order (PgSeries.intern).
 */
export async function insertRawRows(client: pg.PoolClient, rows: Row[], names: PgNames, seriesRefs: readonly number[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const values = columns(rows, INSERT_TYPES, ({ m, f, ms }, i) => insertValues(m, f, ms, names, seriesRefs[i]!));
  const res = await client.query<{ id: string; started_ms: number }>({ name: "kw_insert_measurements", text: INSERT_MEASUREMENTS, values });
  return new Set(res.rows.map((r) => `${r.id}|${r.started_ms}`));
}

/** Inserts the batch inside the caller's open transaction; returns how many rows were new. */
export async function insertBatch(client: pg.PoolClient, rows: Row[], names: PgNames, seriesRefs: readonly number[]): Promise<number> {
  if (rows.length === 0) return 0;
  const stored = await insertRawRows(client, rows, names, seriesRefs);

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
      values: columns(lastSeen, LAST_SEEN_TYPES, (s) => [s.region, s.network, s.probeId, s.lastMs]) });
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
      values: columns(probes, PROBES_TYPES, (p) => [p.probeId, p.region, p.network, p.role, p.lastMs, p.n]) });
  }
  return stored.size;
}
