// The store under another process's write lock: writes wait without blocking the event loop, give up with
// StoreUnavailableError("locked") after busyWaitMs, reads go on (WAL), health() says "locked".
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreUnavailableError, storeUnavailability } from "../../src/store/errors.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { holdWriteLock } from "../helpers/sqlite-lock.js";

let dir: string;
let path: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "kw-busy-"));
  path = join(dir, "keepwatch.sqlite");
  store = new SqliteStore(path, { busyWaitMs: 400 });
  await store.migrate();
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("SqliteStore under another process's write lock", () => {
  it("waits for the lock with timers, not a synchronous sleep, and stores once it is released", async () => {
    const lock = await holdWriteLock(path, 1500);
    expect(await store.health()).toBe("locked");
    const patient = new SqliteStore(path, { busyWaitMs: 30_000 });
    try {
      let ticks = 0;
      const ticker = setInterval(() => { ticks += 1; }, 20);
      const m = fixtureMeasurement();
      const result = await patient.insertMeasurements([m]);
      clearInterval(ticker);
      expect(result).toEqual({ inserted: 1, duplicates: 0 });
      // The timer kept firing while the insert waited ~1.5 s: the loop was never blocked for the wait.
      expect(ticks).toBeGreaterThan(10);
      await lock.exited;
      expect(await store.getMeasurement(m.id)).not.toBeNull();
      expect(await store.health()).toBe("up");
    } finally {
      await patient.close();
    }
  });

  it("gives up after busyWaitMs with StoreUnavailableError('locked'); reads still answer", async () => {
    await store.insertMeasurements([fixtureMeasurement({ id: "before-lock" })]);
    const lock = await holdWriteLock(path);
    try {
      const err = await store.insertMeasurements([fixtureMeasurement()]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as StoreUnavailableError).reason).toBe("locked");
      await expect(store.setState("k", "v")).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await store.getMeasurement("before-lock")).not.toBeNull();
      expect((await store.measurementFacts({})).length).toBe(1);
    } finally {
      await lock.release();
    }
    await store.setState("k", "v");
    expect(await store.getState("k")).toBe("v");
  });

  it("classifies errors: locks and failing disks are unavailability, data errors are not", async () => {
    expect(storeUnavailability(Object.assign(new Error("x"), { code: "SQLITE_BUSY_SNAPSHOT" }))).toBe("locked");
    expect(storeUnavailability(Object.assign(new Error("x"), { code: "SQLITE_FULL" }))).toBe("down");
    expect(storeUnavailability(Object.assign(new Error("x"), { code: "SQLITE_IOERR_FSYNC" }))).toBe("down");
    expect(storeUnavailability(Object.assign(new Error("x"), { code: "SQLITE_CONSTRAINT_PRIMARYKEY" }))).toBeNull();
    expect(storeUnavailability(new TypeError("Cannot read properties of undefined"))).toBeNull();
    await store.close();
    const closed = await store.getState("k").catch((e: unknown) => e);
    expect(storeUnavailability(closed)).toBe("down");
    expect(await store.health()).toBe("down");
  });
});
