// Shared by the PostgreSQL migration tests: a database brought to an older schema version (and filled the way
// that version's store did), a reference store that got every measurement after the migration, and the
// comparison of every read between the two.
import type pg from "pg";
import { afterEach, expect } from "vitest";
import type { Measurement } from "../../src/measurement.js";
import { applyPgMigrations, PG_MIGRATIONS } from "../../src/store/postgres/migrations.js";
import { createPool } from "../../src/store/postgres/pool.js";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { freshDatabase } from "../helpers/postgres.js";
import { reads } from "./postgres-reads.js";

/** Stores opened by a test, closed after it. */
export function storesClosedAfterEach(): PostgresStore[] {
  const stores: PostgresStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });
  return stores;
}

/** Applies the migrations up to `version` (to a fresh database unless a url is given), then `fill` on a pool. */
export async function databaseAtVersion(version: number, fill?: (pool: pg.Pool) => Promise<void>, url?: string): Promise<string> {
  const at = url ?? (await freshDatabase());
  const pool = createPool(at);
  try {
    await applyPgMigrations(pool, PG_MIGRATIONS.filter((m) => m.version <= version));
    await fill?.(pool);
  } finally {
    await pool.end();
  }
  return at;
}

/** A current store in a fresh database that got the batches in order. */
export async function referenceStore(stores: PostgresStore[], ...batches: Measurement[][]): Promise<PostgresStore> {
  const reference = new PostgresStore(await freshDatabase(), { streamPageSize: 7 });
  stores.push(reference);
  await reference.migrate();
  for (const b of batches) await reference.insertMeasurements(b);
  return reference;
}

/** Every read (postgres-reads.ts) answers alike on both stores. */
export async function expectSameReads(got: PostgresStore, expected: PostgresStore, ids: string[]): Promise<void> {
  const want = await reads(expected, ids);
  const have = await reads(got, ids);
  for (const k of Object.keys(want)) expect(have[k], k).toBe(want[k]);
}
