// The two ways the PostgreSQL store runs work, as types its parts take as parameters (store.ts implements
// them), so no part imports the store class and the store's error mapping stays in one place.
import type pg from "pg";

/** Runs op, turning "not now" errors into StoreUnavailableError. */
export type PgCall = <T>(op: () => Promise<T>) => Promise<T>;

/** The store's transaction runner (one connection, BEGIN … COMMIT, errors mapped). */
export type PgTransaction = <T>(op: (client: pg.PoolClient) => Promise<T>) => Promise<T>;
