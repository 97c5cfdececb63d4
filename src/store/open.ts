// Chooses the Store backend from the configuration's store.url: SQLite (the default, one file in the data
// directory) or PostgreSQL. Every command that opens the store goes through here.
import { join } from "node:path";
import type { StoreConfig } from "../config/schema.js";
import { PostgresStore } from "./postgres/store.js";
import { redactUrl } from "./postgres/pool.js";
import { SqliteStore } from "./sqlite.js";
import type { Store } from "./store.js";

export type StoreLocation = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

/** Where store.url points; "sqlite" alone means keepwatch.sqlite in the data directory. */
export function storeLocation(url: string, dataDir: string): StoreLocation {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", url };
  if (url === "sqlite") return { kind: "sqlite", path: join(dataDir, "keepwatch.sqlite") };
  if (url.startsWith("sqlite:")) return { kind: "sqlite", path: url.slice("sqlite:".length) };
  throw new Error(`store.url must be sqlite, sqlite:PATH or postgres://…, got ${JSON.stringify(redactUrl(url))}`);
}

/** The location for logs: a PostgreSQL password never appears. */
export function describeStore(loc: StoreLocation): string {
  return loc.kind === "sqlite" ? `sqlite:${loc.path}` : redactUrl(loc.url);
}

export function openStore(config: Pick<StoreConfig, "url"> & Partial<StoreConfig>, dataDir: string): Store {
  const loc = storeLocation(config.url, dataDir);
  return loc.kind === "sqlite" ? new SqliteStore(loc.path) : new PostgresStore(loc.url, { max: config.poolSize });
}
