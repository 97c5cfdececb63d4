// Closed day partitions' indexes rebuilt packed full. While a day receives inserts its indexes' pages settle
// ~65-70 % full (random uuids split pages 50/50 in the key; a round's uploads arrive out of order, landing just
// left of the time index's right end). Once the day is over (late spools of offline agents apart: such an
// insert into a full page just splits it) the indexes are rebuilt once with fillfactor 100 by
// REINDEX INDEX CONCURRENTLY: reads and writes go on meanwhile, answers and plans stay the same.
//
// What is done is read from the catalog, never from state that could drift: an index is compacted when its
// reloptions hold fillfactor=100 *and* deduplicate_items=on. The first is set before the rebuild (the rebuild
// reads it); the second, whose value is B-tree's default (setting it changes no behaviour), only after the
// rebuild succeeded, so a process dying between the two statements leaves an index that is redone next run.
// A failed concurrent rebuild leaves an INVALID "<index>_ccnew" (or "_ccold") index: it is dropped and its
// partition's marks reset, then rebuilt by a later run.
import type pg from "pg";
import type { CompactionRun } from "../store.js";
import { LOCK_COMPACT } from "./migrations.js";
import type { Partitions } from "./partitions.js";

/**
 * A day partition is compacted this long after its day ended (UTC). Late uploads of agents that were offline
 * mostly arrive within it; later ones are stored all the same (a full page splits).
 */
export const COMPACT_AFTER_MS = 6 * 3600_000;
/** Partitions per run at most: a store's first run works through its backlog over several retention runs. */
export const COMPACT_PARTITIONS_PER_RUN = 4;
/**
 * How long the rebuild waits for a lock or for older transactions to finish (a concurrent rebuild waits for
 * every transaction older than it). Waiting blocks no insert; past it the run gives up and retries next time.
 */
const LOCK_WAIT_MS = 60_000;

interface IndexRow {
  partition: string;
  index: string;
  valid: boolean;
  options: string[] | null;
}

/** The rebuild's leftovers: `<index>_ccnew`, `_ccnew1`, …, `_ccold`, …. */
const LEFTOVER = /_cc(new|old)\d*$/;
/** "Not there": the relation or index was dropped meanwhile (another process's retention). */
const GONE = new Set(["42P01", "42704"]);

function isCompacted(options: string[] | null): boolean {
  return !!options?.includes("fillfactor=100") && options.includes("deduplicate_items=on");
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export class PartitionCompactor {
  constructor(private readonly pool: pg.Pool, private readonly partitions: Partitions) {}

  /** One bounded run (see the file comment); busy when another process holds the compaction lock. */
  async run(nowMs: number): Promise<CompactionRun> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ got: boolean }>("SELECT pg_try_advisory_lock($1) AS got", [LOCK_COMPACT]);
      if (!rows[0]!.got) return { busy: true, compacted: 0, cleaned: 0 };
      await client.query(`SET lock_timeout = ${LOCK_WAIT_MS}`);
      const cleaned = await this.cleanLeftovers(client);
      const compacted = await this.compactSome(client, nowMs);
      return { busy: false, compacted, cleaned };
    } finally {
      // The session's lock and setting go with the connection: never hand them back to the pool.
      client.release(true);
    }
  }

  /** Every index of every measurement partition. */
  private async indexes(client: pg.PoolClient): Promise<IndexRow[]> {
    const { rows } = await client.query<IndexRow>(`SELECT c.relname AS partition, ic.relname AS index,
        x.indisvalid AS valid, ic.reloptions AS options
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_index x ON x.indrelid = c.oid JOIN pg_class ic ON ic.oid = x.indexrelid
      WHERE i.inhparent = 'measurements'::regclass
      ORDER BY c.relname, ic.relname`);
    return rows;
  }

  /** Drops invalid leftovers of an interrupted rebuild and resets their partition's marks. */
  private async cleanLeftovers(client: pg.PoolClient, only?: string): Promise<number> {
    const all = await this.indexes(client);
    const leftovers = all.filter((r) => !r.valid && LEFTOVER.test(r.index) && (only === undefined || r.partition === only));
    for (const r of leftovers) {
      await this.ignoringGone(() => client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${ident(r.index)}`));
    }
    for (const partition of new Set(leftovers.map((r) => r.partition))) {
      for (const r of all.filter((x) => x.partition === partition && !LEFTOVER.test(x.index))) await this.unmark(client, r.index);
    }
    return leftovers.length;
  }

  private async unmark(client: pg.PoolClient, index: string): Promise<void> {
    await this.ignoringGone(() => client.query(`ALTER INDEX IF EXISTS ${ident(index)} RESET (deduplicate_items)`));
  }

  /** Compacts the indexes of up to COMPACT_PARTITIONS_PER_RUN closed partitions, newest first (they stay longest). */
  private async compactSome(client: pg.PoolClient, nowMs: number): Promise<number> {
    const closed = (await this.partitions.list(client)).filter((p) => p.to_ms + COMPACT_AFTER_MS <= nowMs).reverse();
    const byPartition = new Map<string, IndexRow[]>();
    for (const r of await this.indexes(client)) {
      if (LEFTOVER.test(r.index) || isCompacted(r.options)) continue;
      byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
    }
    let compacted = 0;
    for (const p of closed.filter((p) => byPartition.has(p.name)).slice(0, COMPACT_PARTITIONS_PER_RUN)) {
      for (const r of byPartition.get(p.name)!) {
        try {
          if (await this.rebuild(client, r.index)) compacted += 1;
        } catch (err) {
          // Whatever stopped it, leave nothing half done behind; the partition is tried again next run.
          await this.cleanLeftovers(client, p.name).catch(() => undefined);
          if ((err as { code?: string }).code === "55P03") break; // lock wait over: this partition next run
          throw err;
        }
      }
    }
    return compacted;
  }

  /** Rebuilds one index full; false when it was dropped meanwhile. */
  private async rebuild(client: pg.PoolClient, index: string): Promise<boolean> {
    const name = ident(index);
    const done = await this.ignoringGone(async () => {
      await client.query(`ALTER INDEX ${name} SET (fillfactor = 100)`);
      await client.query(`REINDEX INDEX CONCURRENTLY ${name}`);
      await client.query(`ALTER INDEX ${name} SET (deduplicate_items = on)`);
      return true;
    });
    return done === true;
  }

  private async ignoringGone<T>(op: () => Promise<T>): Promise<T | undefined> {
    try {
      return await op();
    } catch (err) {
      if (GONE.has((err as { code?: string }).code ?? "")) return undefined;
      throw err;
    }
  }
}
