// The store.* settings: SQLite by default, a PostgreSQL URL when given, and nothing else.
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";

describe("store settings", () => {
  it("defaults to SQLite in the data directory", () => {
    expect(configSchema.parse({}).store).toEqual({ url: "sqlite", poolSize: 10 });
  });

  it("takes sqlite:PATH and postgres:// or postgresql:// URLs", () => {
    for (const url of ["sqlite:/var/lib/keepwatch/kw.sqlite", "postgres://kw:pw@db:5432/keepwatch", "postgresql://kw@127.0.0.1/kw"]) {
      expect(configSchema.parse({ store: { url } }).store.url).toBe(url);
    }
  });

  it("refuses other schemes and pool sizes without repeating the value (it may hold a password)", () => {
    for (const store of [{ url: "mysql://kw:hunter2-secret@db/kw" }, { url: "" }, { url: "sqlite" + "\n" }, { poolSize: 0 },
      { poolSize: 2.5 }, { url: "postgres://" }]) {
      const r = configSchema.safeParse({ store });
      expect(r.success, JSON.stringify(store)).toBe(false);
      expect(JSON.stringify(r.error?.issues)).not.toContain("hunter2-secret");
    }
  });
});
