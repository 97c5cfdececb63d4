import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import BetterSqlite3 from "better-sqlite3";
import { applyMigrations } from "../../src/store/migrations.js";
import { NameTable } from "../../src/store/sqlite-names.js";

let dir: string;
let a: BetterSqlite3.Database;
let b: BetterSqlite3.Database;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kw-names-"));
  a = new BetterSqlite3(join(dir, "db.sqlite"));
  applyMigrations(a);
  b = new BetterSqlite3(join(dir, "db.sqlite"));
});

afterEach(() => {
  a.close();
  b.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("NameTable", () => {
  it("gives one id per name, across two connections (two collector processes)", () => {
    const na = new NameTable(a);
    const nb = new NameTable(b);
    const ida = a.transaction(() => ["KZ-47", "https://t.test/", "KZ-47"].map((n) => na.idFor(n)))();
    na.commit();
    expect(ida[0]).toBe(ida[2]);
    const idb = b.transaction(() => ["https://t.test/", "new"].map((n) => nb.idFor(n)))();
    nb.commit();
    expect(idb[0]).toBe(ida[1]);
    // The other connection's new name is read on first sight of its id.
    expect(na.name(idb[1]!)).toBe("new");
  });

  it("reads every id it has not seen, even after finding a newer one first", () => {
    const writer = new NameTable(a);
    const ids = a.transaction(() => ["r1", "r2", "r3", "r4"].map((n) => writer.idFor(n)))();
    writer.commit();
    const reader = new NameTable(b);
    expect(reader.find("r4")).toBe(ids[3]);
    expect(ids.map((id) => reader.name(id))).toEqual(["r1", "r2", "r3", "r4"]);
    expect(reader.find("never")).toBeNull();
    expect(() => reader.name(9999)).toThrow(/no name with id 9999/);
  });

  it("forgets ids given out in a transaction that rolled back (they were never stored)", () => {
    const names = new NameTable(a);
    expect(() => a.transaction(() => {
      names.idFor("ghost");
      throw new Error("batch failed");
    })()).toThrow("batch failed");
    names.rollback();
    expect(names.find("ghost")).toBeNull();
    // Another name may now take the same id: it must not read as "ghost".
    const id = a.transaction(() => names.idFor("real"))();
    names.commit();
    expect(names.name(id)).toBe("real");
  });
});
