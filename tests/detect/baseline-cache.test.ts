// BaselineCache on the real SQLite store, past the per-target minute horizon: a baseline anchored before an
// open incident is kept once its history reaches past retention.targetMinuteDays (pruned), and still
// rebuilt while all of it is stored.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BaselineCache } from "../../src/detect/baseline-cache.js";
import type { Incident } from "../../src/incident.js";
import type { Measurement } from "../../src/measurement.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { T0, WINDOW_MS, config, makeTargets } from "./synthetic.js";

const HOUR = 3_600_000;
const KEY = "KZ-75|kcell-mobile";
const cfg = config({ baselineHours: 2 });
const openStart = T0 + 2 * HOUR;
// Only what the cache reads of an incident: where and since when.
const open = [{ region: "KZ-75", network: "kcell-mobile", startedAt: new Date(openStart + 60_000).toISOString(), status: "open" } as Incident];

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "kw-baseline-cache-"));
  store = new SqliteStore(join(dir, "kw.db"));
  await store.migrate();
  // Two hours of usual windows before the incident, every target measured once per window.
  const ms: Measurement[] = [];
  for (let w = 0; w < 24; w++) {
    makeTargets(2, 2).forEach((t, i) => ms.push(fixtureMeasurement({
      region: "KZ-75", network: "kcell-mobile", probeId: "p1", url: t.url, list: t.list, category: t.category,
      startedAt: new Date(T0 + w * WINDOW_MS + 30_000 + i * 1000).toISOString(),
    })));
  }
  await store.insertMeasurements(ms);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The anchored baseline at openStart + 10 min, then the first hour of its history pruned. */
async function anchoredThenPruned(cache: BaselineCache) {
  const first = (await cache.get([KEY], openStart + 10 * 60_000, open)).get(KEY)!;
  expect(first).toMatchObject({ source: "history", until: openStart, windows: 24 });
  expect(await store.pruneTargetMinuteRollups(new Date(T0 + HOUR))).toBeGreaterThan(0);
  return first;
}

describe("BaselineCache past the per-target minute horizon", () => {
  it("keeps an anchored baseline whose history starts before the horizon (not rebuilt from half of it)", async () => {
    const cache = new BaselineCache(store, cfg, 60, 2 * HOUR);
    const first = await anchoredThenPruned(cache);
    // Hours later (far past the refresh): the history's start is older than now − 2 h.
    const later = (await cache.get([KEY], openStart + 2 * HOUR, open)).get(KEY)!;
    expect(later).toBe(first);
    expect(later.windows).toBe(24);
    // A new process (state read back from the store) keeps it too.
    const restarted = (await new BaselineCache(store, cfg, 60, 2 * HOUR).get([KEY], openStart + 3 * HOUR, open)).get(KEY)!;
    expect(restarted).toMatchObject({ windows: 24, computedAt: first.computedAt });
  });

  it("without a horizon it rebuilds from what is left (what the horizon prevents)", async () => {
    const unbounded = new BaselineCache(store, cfg, 60);
    await anchoredThenPruned(unbounded);
    expect((await unbounded.get([KEY], openStart + 2 * HOUR, open)).get(KEY)!.windows).toBe(12);
  });

  it("while the anchored history is inside the horizon it is refreshed as before", async () => {
    // A 10-hour horizon: nothing of the history can have been pruned yet (this test prunes by hand to see the rebuild).
    const inside = new BaselineCache(store, cfg, 60, 10 * HOUR);
    await anchoredThenPruned(inside);
    expect((await inside.get([KEY], openStart + 2 * HOUR, open)).get(KEY)!.windows).toBe(12);
  });
});
