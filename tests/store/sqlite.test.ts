import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import BetterSqlite3 from "better-sqlite3";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/store.js";
import { storeContract, type StoreFactory } from "./contract.js";

/** Each open() is a new file in a temp dir; reopen() is a second connection to the newest file. */
function sqliteFactory(): StoreFactory {
  let dirs: string[] = [];
  let stores: Store[] = [];
  let last = "";
  return {
    async open(opts = {}) {
      const dir = mkdtempSync(join(tmpdir(), "kw-store-"));
      dirs.push(dir);
      last = join(dir, "keepwatch.sqlite");
      const s = new SqliteStore(last, { streamPageSize: opts.streamPageSize, pruneChunkSize: 40 });
      stores.push(s);
      await s.migrate();
      return s;
    },
    async reopen() {
      const s = new SqliteStore(last, { pruneChunkSize: 40 });
      stores.push(s);
      await s.migrate();
      return s;
    },
    async cleanup() {
      for (const s of stores) await s.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      dirs = [];
      stores = [];
    },
  };
}

storeContract("SqliteStore", sqliteFactory());

describe("SqliteStore file layout", () => {
  let dir: string;
  const dbPath = () => join(dir, "keepwatch.sqlite");
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "kw-store-"));
    const s = new SqliteStore(dbPath());
    await s.migrate();
    await s.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("uses WAL on a real file", () => {
    const raw = new BetterSqlite3(dbPath(), { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });

  it("creates new files with 8 KiB pages and keeps an existing file's page size", async () => {
    const raw = new BetterSqlite3(dbPath(), { readonly: true });
    expect(raw.pragma("page_size", { simple: true })).toBe(8192);
    raw.close();
    const other = join(dir, "old.sqlite");
    const old = new BetterSqlite3(other);
    old.exec("CREATE TABLE t (x)");
    old.close();
    const s = new SqliteStore(other);
    await s.migrate();
    await s.close();
    const check = new BetterSqlite3(other, { readonly: true });
    expect(check.pragma("page_size", { simple: true })).toBe(4096);
    check.close();
  });
});
