// The ingest transaction: a batch of measurements stored with, in the same commit, the rollups they add to,
// the newest sign of life per region x network x probe (last_seen) and each probe's counters (probes). Kept
// beside sqlite.ts so that file stays readable; SqliteStore takes the write lock and retries around it.
import type { Database, Transaction } from "better-sqlite3";
import { isUncounted, type Measurement } from "../measurement.js";
import { INSERT_COLUMNS, measurementRow } from "./sqlite-measurement-row.js";
import type { NameTable } from "./sqlite-names.js";
import { RollupBatch, flushRollups, prepareRollupUpserts } from "./sqlite-rollups.js";

/** What one batch saw of one region x network x probe: newest time and how many rows it stored. */
interface SeenAggregate {
  region: string;
  network: string;
  probeId: string;
  role: string;
  lastMs: number;
  n: number;
}

/** Stores `batch` (with `raw`, each measurement's encoded form); returns how many rows were new. */
export type InsertBatch = Transaction<(batch: Measurement[], raw: Buffer[]) => number>;

/** Prepares the batch transaction; only after migrate() created the tables. */
export function prepareInsertBatch(db: Database, names: NameTable): InsertBatch {
  const insert = db.prepare(`INSERT OR IGNORE INTO measurements (${INSERT_COLUMNS})
    VALUES (${INSERT_COLUMNS.split(",").map(() => "?").join(", ")})`);
  const ref = (name: string) => names.idFor(name);
  const upsertRollups = prepareRollupUpserts(db);
  const upsertLastSeen = db.prepare(`INSERT INTO last_seen (region, network, probe_id, last_ms)
    VALUES (?, ?, ?, ?)
    ON CONFLICT (region, network, probe_id) DO UPDATE SET last_ms = MAX(last_ms, excluded.last_ms)`);
  // A probe first seen through its data gets the measurement's region; a configured one keeps its own.
  const upsertProbeSeen = db.prepare(`INSERT INTO probes (id, region, network, role, last_seen_ms, measurements)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET last_seen_ms = MAX(COALESCE(last_seen_ms, 0), excluded.last_seen_ms),
      measurements = measurements + excluded.measurements`);

  return db.transaction((batch: Measurement[], raw: Buffer[]): number => {
    const rollups = new RollupBatch();
    const seen = new Map<string, SeenAggregate>();
    let inserted = 0;
    for (const [i, m] of batch.entries()) {
      const row = measurementRow(m, names, raw[i]!);
      const f = row.facts;
      const ms = row.startedMs;
      const r = insert.run(...row.values);
      // Only rows this call actually stored are counted: a redelivered id changes nothing.
      if (r.changes === 0) continue;
      inserted += 1;
      // The volunteer's own outage, or another network than the probe's (column local_failure means "not
      // counted" since attribution): kept for the record, never counted (no rollups, not a sign of life).
      if (isUncounted(m)) continue;
      rollups.add(f, ms);
      const key = `${f.region}\u0001${f.network}\u0001${f.probeId}`;
      const s = seen.get(key);
      if (s) {
        s.lastMs = Math.max(s.lastMs, ms);
        s.n += 1;
      } else {
        seen.set(key, { region: f.region, network: f.network, probeId: f.probeId, role: f.role, lastMs: ms, n: 1 });
      }
    }
    flushRollups(rollups, upsertRollups, ref);
    for (const s of seen.values()) upsertLastSeen.run(s.region, s.network, s.probeId, s.lastMs);
    const perProbe = new Map<string, SeenAggregate>();
    for (const s of seen.values()) {
      const p = perProbe.get(s.probeId);
      if (p) {
        p.lastMs = Math.max(p.lastMs, s.lastMs);
        p.n += s.n;
      } else perProbe.set(s.probeId, { ...s });
    }
    for (const p of perProbe.values()) upsertProbeSeen.run(p.probeId, p.region, p.network, p.role, p.lastMs, p.n);
    return inserted;
  });
}
