// `keepwatch migrate`: copies a SQLite store into a PostgreSQL one. Streaming (a page of measurements or a
// few thousand table rows in memory at a time), resumable (measurement pages commit with a checkpoint; every
// other write is an idempotent upsert), and followed by a count of every table on both sides.
// Run it with the server stopped: rows the server stores meanwhile may be missed.
import BetterSqlite3 from "better-sqlite3";
import { realpathSync } from "node:fs";
import { COPIED_TABLES, PgImporter, type CopiedTable } from "../store/postgres/import.js";
import type { PostgresStore } from "../store/postgres/store.js";
import { SUM_COLUMNS } from "../store/rollup-deltas.js";
import { SqliteStore } from "../store/sqlite.js";

export interface CopyOptions {
  /** Measurements per committed page (bounds memory and the work a kill loses). */
  pageSize?: number;
  /** Rows per upsert for the other tables. */
  rowChunk?: number;
  /** Copy into a target that already holds measurements from elsewhere (normally refused). */
  force?: boolean;
  /** Progress lines (table, rows so far). */
  onProgress?: (what: string, rows: number) => void;
  /** Stop after this many measurement pages (tests simulate a kill with it). */
  maxPages?: number;
}

export interface TableCount {
  table: string;
  source: number;
  target: number;
}

export class MigrateRefused extends Error {}

// SQLite's per-target rollups hold name ids and the newest time as an offset in the bucket (schema 6);
// PostgreSQL's hold the strings and the time. Read them back in PostgreSQL's shape.
const TARGET_NAMED = { region: "region_ref", network: "network_ref", probe_id: "probe_ref", list: "list_ref",
  url: "url_ref", role: "role_ref", category: "category_ref" } as const;

function sourceQuery(table: CopiedTable, key: string): string {
  if (table !== "rollups_minute" && table !== "rollups_hour") return `SELECT * FROM ${table} ORDER BY ${key}`;
  const named = Object.entries(TARGET_NAMED);
  return `SELECT ${named.map(([col], i) => `n${i}.name AS ${col}`).join(", ")}, r.bucket,
      ${SUM_COLUMNS.map((c) => `r.${c}`).join(", ")}, r.bucket * 1000 + r.last_offset_ms AS last_ms
    FROM ${table} r ${named.map(([, ref], i) => `JOIN names n${i} ON n${i}.id = r.${ref}`).join(" ")}
    ORDER BY r.region_ref, r.bucket, r.network_ref, r.probe_ref, r.list_ref, r.url_ref, r.role_ref`;
}

/**
 * Where the source's per-target minute rows start if it pruned them while raw rows of older minutes remain
 * (retention.targetMinuteDays shorter than rawDays): those rows are no minute stats there, nor on the target.
 * Null when every counted raw row has its minute row. Minute rows are pruned by time, so the oldest left marks it.
 */
function sourceMinuteHorizon(raw: BetterSqlite3.Database): number | null {
  const { b } = raw.prepare("SELECT MIN(bucket) AS b FROM rollups_minute").get() as { b: number | null };
  if (b === null) {
    const { ms } = raw.prepare("SELECT MAX(started_ms) AS ms FROM measurements WHERE local_failure = 0").get() as { ms: number | null };
    return ms === null ? null : Math.floor(ms / 60_000) * 60_000 + 60_000;
  }
  const older = raw.prepare("SELECT 1 FROM measurements WHERE started_ms < ? AND local_failure = 0 LIMIT 1").get(b * 1000);
  return older ? b * 1000 : null;
}

/** Copies everything; returns per-table counts (source vs target) after the copy. */
export async function copySqliteToPostgres(sqlitePath: string, target: PostgresStore, o: CopyOptions = {}): Promise<TableCount[]> {
  const pageSize = o.pageSize ?? 2000;
  const rowChunk = o.rowChunk ?? 5000;
  const progress = o.onProgress ?? (() => undefined);
  const sourceId = realpathSync(sqlitePath);
  // The source is brought to this version's schema first, exactly as `keepwatch serve` would on start.
  const source = new SqliteStore(sqlitePath);
  const raw = new BetterSqlite3(sqlitePath, { readonly: true, fileMustExist: true });
  try {
    await source.migrate();
    await target.migrate();
    const importer = new PgImporter(target);
    await importer.prepare();
    const resumed = await importer.progress(sourceId);
    if (!resumed && !o.force && (await importer.count("measurements")) > 0) {
      throw new MigrateRefused("the target database already holds measurements that this migration did not copy; " +
        "point --to at an empty database (or pass --force to merge into it)");
    }

    // Tables first (small, or rollups: upserts that overwrite, so re-running converges).
    for (const table of Object.keys(COPIED_TABLES) as CopiedTable[]) {
      const key = COPIED_TABLES[table].join(", ");
      let chunk: Record<string, unknown>[] = [];
      let n = 0;
      // A dedicated read-only connection: iterate() keeps its statement open across the awaits.
      for (const row of raw.prepare(sourceQuery(table, key)).iterate() as Iterable<Record<string, unknown>>) {
        chunk.push(row);
        if (chunk.length >= rowChunk) {
          n += chunk.length;
          await importer.upsertRows(table, chunk);
          chunk = [];
          progress(table, n);
        }
      }
      n += chunk.length;
      await importer.upsertRows(table, chunk);
      progress(table, n);
    }

    // Measurements in startedAt order, a page per transaction with its checkpoint: everything before
    // `since` is in. A resumed run re-reads the rows at the checkpoint's own millisecond; ids dedup them.
    if (!resumed?.done) {
      let since = resumed?.sinceMs ?? null;
      let page: import("../measurement.js").Measurement[] = [];
      let copied = 0;
      let pages = 0;
      const q = since === null ? {} : { since: new Date(since) };
      for await (const m of source.streamMeasurements(q)) {
        page.push(m);
        if (page.length >= pageSize) {
          const lastMs = Date.parse(page[page.length - 1]!.startedAt);
          await importer.insertMeasurementPage(sourceId, page, lastMs, false);
          copied += page.length;
          page = [];
          since = lastMs;
          progress("measurements", copied);
          if (o.maxPages !== undefined && ++pages >= o.maxPages) return [];
        }
      }
      await importer.insertMeasurementPage(sourceId, page, since ?? 0, true);
      copied += page.length;
      progress("measurements", copied);
    }

    await importer.finishTargetMinutes(sourceMinuteHorizon(raw));

    const counts: TableCount[] = [];
    for (const table of ["measurements", ...Object.keys(COPIED_TABLES)] as (CopiedTable | "measurements")[]) {
      const s = (raw.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      counts.push({ table, source: s, target: await importer.count(table) });
    }
    return counts;
  } finally {
    raw.close();
    await source.close();
  }
}
