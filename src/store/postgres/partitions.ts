// Daily range partitions of `measurements` (by started_ms, UTC days). Created on demand for the days an
// insert needs and a few days ahead at startup; retention drops whole partitions and deletes rows only in
// the one partition the cutoff falls inside, keeping the removed rows' per-target minute sums. Creation is
// serialized by an advisory lock, so two collectors meeting a new day at once both succeed.
import type pg from "pg";
import { LOCK_PARTITIONS } from "./migrations.js";
import { HORIZON_MS, materializeMinutes } from "./target-minutes.js";

/** The columns per-target minute sums are made of (target-minutes.ts). */
const REMOVED_COLUMNS = `started_ms, region_ref, network_ref, probe_ref, list_ref, url_ref, role_ref, category_ref, series_ref,
  accessible, blocking, dns_failure, bytes_per_second, tls_handshake_time, local_failure`;

export const DAY_MS = 86_400_000;

/** Partition name of a UTC day number (days since the epoch): measurements_p20250105. */
export function partitionName(day: number): string {
  const d = new Date(day * DAY_MS);
  const y = d.getUTCFullYear();
  if (y < 1000 || y > 9999) throw new RangeError(`measurement time out of range: ${d.toISOString()}`);
  return `measurements_p${y}${String(d.getUTCMonth() + 1).padStart(2, "0")}${String(d.getUTCDate()).padStart(2, "0")}`;
}

export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

interface PartitionRow {
  name: string;
  from_ms: number;
  to_ms: number;
}

export class Partitions {
  /** Days known to have a partition (this process's view; a miss is checked against the database). */
  private readonly known = new Set<number>();

  constructor(private readonly pool: pg.Pool) {}

  /** Makes sure each day has its partition. Cheap when they are known. */
  async ensure(days: Iterable<number>): Promise<void> {
    const missing = [...new Set(days)].filter((d) => !this.known.has(d)).sort((a, b) => a - b);
    if (missing.length === 0) return;
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [LOCK_PARTITIONS]);
      for (const day of missing) {
        // IF NOT EXISTS under the lock: another process may have made it meanwhile. A low
        // toast_tuple_target makes PostgreSQL compress the raw column inline for rows of ~2 KB.
        await client.query(`CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF measurements
          FOR VALUES FROM (${day * DAY_MS}) TO (${(day + 1) * DAY_MS}) WITH (toast_tuple_target = 256)`);
      }
      await client.query("COMMIT");
      for (const day of missing) this.known.add(day);
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Forgets what this process believed (after a "no partition" error: another process dropped one). */
  forget(): void {
    this.known.clear();
  }

  /** Every partition with its bounds, oldest first. */
  async list(client: pg.PoolClient | pg.Pool = this.pool): Promise<PartitionRow[]> {
    const { rows } = await client.query<{ name: string; bound: string }>(`SELECT c.relname AS name,
        pg_get_expr(c.relpartbound, c.oid) AS bound
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'measurements'::regclass`);
    return rows.map((r) => {
      const m = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(r.bound);
      if (!m) throw new Error(`unexpected partition bound of ${r.name}: ${r.bound}`);
      return { name: r.name, from_ms: Number(m[1]), to_ms: Number(m[2]) };
    }).sort((a, b) => a.from_ms - b.from_ms);
  }

  /**
   * Deletes raw rows older than the cutoff: partitions wholly before it are dropped (their rows counted
   * under an exclusive lock first), the partition the cutoff falls in loses only its older rows. In the same
   * transaction, the per-target minute sums of the removed rows that started at or after keepMinutesSinceMs
   * (and the stored horizon) go into rollups_minute (target-minutes.ts): each measurement stays counted once.
   */
  async prune(olderThanMs: number, keepMinutesSinceMs: number): Promise<number> {
    let deleted = 0;
    const kept = `started_ms >= GREATEST($2::int8, ${HORIZON_MS})`;
    for (const p of await this.list()) {
      if (p.from_ms >= olderThanMs) break;
      const client = await this.pool.connect();
      try {
        await client.query("BEGIN");
        if (p.to_ms <= olderThanMs) {
          await client.query(`LOCK TABLE ${p.name} IN ACCESS EXCLUSIVE MODE`);
          const { rows } = await client.query<{ n: number }>(`SELECT COUNT(*)::int8 AS n FROM ${p.name}`);
          if (keepMinutesSinceMs < p.to_ms) {
            await client.query(materializeMinutes(p.name, `started_ms < $1::int8 AND ${kept}`), [olderThanMs, keepMinutesSinceMs]);
          }
          await client.query(`DROP TABLE ${p.name}`);
          deleted += rows[0]!.n;
          this.known.delete(dayOf(p.from_ms));
        } else {
          const { rows } = await client.query<{ n: number }>(`WITH gone AS (DELETE FROM ${p.name} WHERE started_ms < $1::int8
              RETURNING ${REMOVED_COLUMNS}),
            kept AS (${materializeMinutes("gone", kept)})
            SELECT COUNT(*)::int8 AS n FROM gone`, [olderThanMs, keepMinutesSinceMs]);
          deleted += rows[0]!.n;
        }
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    }
    return deleted;
  }
}
