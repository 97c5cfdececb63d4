// Retrospective detection gives the incidents the live loop gave over the same data: a live Detector
// runs window by window while measurements arrive (real SQLite, injected clock); then the same store is
// replayed over the range, and `keepwatch detect` (a real process) prints the same incidents, changing
// nothing stored unless --write.
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { MINUTE_GRACE_MS, RetentionTask } from "../../src/collector/retention.js";
import { replayDetection } from "../../src/detect/replay.js";
import type { Incident } from "../../src/incident.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { LAB, Lab, PRODUCTION, T0, type Cadence, type LabProbe } from "./dark-lab.js";

const run = promisify(execFile);
let lab: Lab | null = null;
afterEach(async () => {
  await lab?.stop();
  lab = null;
});

function world(c: Cadence): LabProbe[] {
  const U = c.interval * 1000;
  const between = (a: number, b: number) => (t: number) => t >= T0 + a * U && t < T0 + b * U;
  return [
    { id: "f1", region: "KZ-75", network: "kt-fixed", cadence: c.interval },
    // Mobile-only shutdown from 20 to 35, then whitelist-only from 45 to 60.
    { id: "m1", region: "KZ-75", network: "kcell-mobile", cadence: c.interval,
      behave: (t) => (between(20, 35)(t) ? "silent" : between(45, 60)(t) ? "whitelist_only" : "ok") },
    { id: "a1", region: "KZ-ALA", network: "beeline", cadence: c.interval, behave: (t) => (between(30, 50)(t) ? "full" : "ok") },
    { id: "a2", region: "KZ-ALA", network: "tele2", cadence: c.interval, behave: (t) => (between(30, 50)(t) ? "full" : "ok") },
    { id: "c1", region: "CONTROL-EU", network: "hetzner", role: "control", cadence: c.interval },
  ];
}

/** What both must agree on: everything but the history of how the live loop got there. */
const view = (i: Incident): Omit<Incident, "revisions" | "revisedAt"> => {
  const { revisions: _r, revisedAt: _a, ...rest } = i;
  return rest;
};

describe.each([PRODUCTION, LAB])("retrospective detection at the $name cadence", (c) => {
  it("gives the live loop's incidents over the same stored range, and stores nothing", async () => {
    const U = c.interval * 1000;
    lab = new Lab(world(c), c);
    await lab.start();
    await lab.run(T0 + 75 * U);
    const live = await lab.incidents();
    expect(live.map((i) => [i.region, i.network, i.kind, i.status]).sort()).toEqual([
      ["KZ-75", "kcell-mobile", "dark", "closed"],
      ["KZ-75", "kcell-mobile", "whitelist_only", "closed"],
      ["KZ-ALA", "beeline", "full_shutdown", "closed"],
      ["KZ-ALA", "tele2", "full_shutdown", "closed"],
    ].sort());
    const replayed = await replayDetection({
      store: lab.store, config: lab.config, since: new Date(T0), until: new Date(T0 + 75 * U), regions: ["KZ-75", "KZ-ALA", "KZ-77"],
    });
    expect(replayed.incidents.map(view)).toEqual(live.map(view));
    expect(await lab.incidents()).toEqual(live); // the replay stored nothing
  }, 120_000);
});

describe("keepwatch detect", () => {
  it("prints the incidents of a stored range as JSON, stores them only with --write, and rejects bad times", async () => {
    const c = PRODUCTION;
    const U = c.interval * 1000;
    lab = new Lab(world(c), c, {}, {});
    await lab.start();
    await lab.run(T0 + 75 * U, () => false); // data only: no live detector
    const dataDir = join(lab.dir, "data");
    mkdirSync(dataDir);
    // The CLI opens <data>/keepwatch.sqlite: copy the lab's measurements there through the store API.
    const target = new SqliteStore(join(dataDir, "keepwatch.sqlite"));
    await target.migrate();
    const all = [];
    for await (const m of lab.store.streamMeasurements({})) all.push(m);
    await target.insertMeasurements(all);
    await target.close();
    const cfg = join(lab.dir, "kw.yaml");
    // No regions listed: every region the store has seen is watched.
    writeFileSync(cfg, [
      "networks:",
      "  - { id: kt-fixed, name: KT, kind: fixed }",
      "  - { id: kcell-mobile, name: Kcell, kind: mobile }",
      "  - { id: beeline, name: Beeline, kind: mobile }",
      "  - { id: tele2, name: Tele2, kind: mobile }",
      "controls: [{ id: CONTROL-EU, name: EU }]",
      "",
    ].join("\n"));
    const cli = (args: string[]) => run(process.execPath, ["--import", "tsx", "src/cli.ts", "detect", "-c", cfg, "--data", dataDir, ...args], { timeout: 120_000 })
      .then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
    const range = ["--since", new Date(T0).toISOString(), "--until", new Date(T0 + 75 * U).toISOString()];
    const out = await cli([...range, "--json"]);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const printed = JSON.parse(out.stdout) as { incidents: Incident[] };
    expect(printed.incidents.map((i) => [i.region, i.network, i.kind, i.status]).sort()).toEqual([
      ["KZ-75", "kcell-mobile", "dark", "closed"],
      ["KZ-75", "kcell-mobile", "whitelist_only", "closed"],
      ["KZ-ALA", "beeline", "full_shutdown", "closed"],
      ["KZ-ALA", "tele2", "full_shutdown", "closed"],
    ]);
    const check = async (): Promise<number> => {
      const s = new SqliteStore(join(dataDir, "keepwatch.sqlite"));
      const n = (await s.listIncidents({})).length;
      await s.close();
      return n;
    };
    expect(await check()).toBe(0);
    expect((await cli([...range, "--write"])).code).toBe(0);
    expect(await check()).toBe(4);

    // Retention prunes the older half's minute data (as a careless operator's replay of last month would meet):
    // a replay over it would read silence as shutdowns, so it is refused; a later start is replayed, with warnings.
    const edge = T0 + 40 * U;
    const pruning = new SqliteStore(join(dataDir, "keepwatch.sqlite"));
    await new RetentionTask({ store: pruning, rawDays: 2, rollupDays: 730, targetMinuteDays: 2,
      clock: () => new Date(edge + 2 * 86_400_000 + MINUTE_GRACE_MS) }).runOnce();
    await pruning.close();
    const refused = await cli([...range, "--json"]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain(`is before ${new Date(edge).toISOString()}, where retention has already removed the per-target minute data`);
    const later = await cli(["--since", new Date(edge + 5 * U).toISOString(), "--until", new Date(T0 + 75 * U).toISOString(), "--json"]);
    expect(later.code).toBe(0);
    expect(later.stderr).toMatch(/warning: the baseline at --since has 0 h of history left of the 168 h/);
    expect(later.stderr).toMatch(/warning: raw measurements before .* were pruned/);
    const bad = await cli(["--since", "yesterday", "--until", new Date(T0).toISOString()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since must be an ISO 8601 time/);
    writeFileSync(cfg, "detector: { windowSeconds: 1 }\n");
    const badConfig = await cli(range);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/detector\.windowSeconds/);
  }, 180_000);
});
