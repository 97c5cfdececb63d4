// Configuration of the store (SQLite or PostgreSQL). Part of the configuration schema (./schema.ts).
import { z } from "zod";

/** "sqlite" (dataDir/keepwatch.sqlite), "sqlite:PATH", or a postgres:// / postgresql:// connection URL. */
const STORE_URL = /^(sqlite(:.+)?|postgres(ql)?:\/\/.+)$/;
export const storeConfigSchema = z.object({
  /**
   * Where measurements, rollups, incidents and tokens live. SQLite is the default (one file in dataDir);
   * `postgres://user:${KEEPWATCH_PG_PASSWORD}@host:5432/keepwatch` for several API/collector processes
   * sharing one database. Keep the password in the environment; it is never logged.
   */
  // The message never repeats the value: it may hold a password.
  url: z.string().regex(STORE_URL, "sqlite, sqlite:PATH or a postgres:// URL").default("sqlite"),
  /** PostgreSQL only: connections per process. */
  poolSize: z.number().int().min(1).max(200).default(10),
});
export type StoreConfig = z.infer<typeof storeConfigSchema>;
