// The Detector class on the real SQLite store: measurements go in through insertMeasurements, passes
// run at injected times, incidents and events come out. Covers exact bounds, evidence, restart
// idempotence and the late-data revision of a dark incident.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Measurement } from "../../src/measurement.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { Detector, type DetectorOptions } from "../../src/detect/detector.js";
import { incidentSchema } from "../../src/incident.js";
import type { IncidentEvent } from "../../src/detect/reconcile.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { T0, WINDOW_MS, config, makeTargets, type SynthTarget } from "./synthetic.js";

const REGION = "KZ-75";
const NET = "kcell-mobile";
const TARGETS = makeTargets(4, 8);

type Regime = "normal" | "whitelist_only";

/** Every probe measures every target once in window w, at w + 30 s + 1 s per target. */
function windowMeasurements(w: number, region: string, network: string, probes: string[], regime: Regime, role: "region" | "control" = "region"): Measurement[] {
  const out: Measurement[] = [];
  probes.forEach((probeId, p) => {
    TARGETS.forEach((t: SynthTarget, i) => {
      const cut = regime === "whitelist_only" && t.list === "non_whitelisted";
      out.push(fixtureMeasurement({
        probeId, role, region, network, url: t.url, list: t.list, category: t.category,
        startedAt: new Date(T0 + w * WINDOW_MS + 30_000 + i * 1000 + p * 100).toISOString(),
        accessible: !cut, blocking: cut ? "tls" : null, failure: cut ? "tls_reset" : null,
      }));
    });
  });
  return out;
}

let dir: string;
let store: SqliteStore;
let events: IncidentEvent[];
let clock: number;

function detector(extra: Partial<DetectorOptions> = {}): Detector {
  return new Detector({
    store, config: config({ baselineHours: 24 }), onEvent: (e) => { events.push(e); },
    now: () => new Date(clock), regions: [REGION, "KZ-ALA"], ...extra,
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "kw-detector-"));
  store = new SqliteStore(join(dir, "kw.db"));
  await store.migrate();
  events = [];
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function insertWindow(w: number, regime75: Regime | null, opts: { control?: boolean } = {}): Promise<void> {
  const batch = [
    ...(regime75 ? windowMeasurements(w, REGION, NET, ["p1", "p2"], regime75) : []),
    ...windowMeasurements(w, "KZ-ALA", "beeline", ["a1"], "normal"),
    ...(opts.control === false ? [] : windowMeasurements(w, "CONTROL-EU", "hetzner", ["c1"], "normal", "control")),
  ];
  await store.insertMeasurements(batch);
}

const endOf = (w: number): number => T0 + (w + 1) * WINDOW_MS;

describe("Detector on the SQLite store", () => {
  it("opens a whitelist-only incident with measurement-exact bounds and evidence, then closes it", async () => {
    const d = detector();
    for (let w = 0; w < 22; w++) {
      await insertWindow(w, w >= 12 && w < 18 ? "whitelist_only" : "normal");
      clock = endOf(w);
      if (w >= 8) await d.runPass();
    }
    expect(events.map((e) => e.type)).toEqual(["opened", "closed"]);
    const opened = events[0]!;

    const [incident] = await store.listIncidents({ region: REGION });
    expect(incident).toBeDefined();
    const i = incidentSchema.parse(incident);
    expect(i.id).toBe(opened.incident.id);
    expect(i).toMatchObject({ region: REGION, network: NET, kind: "whitelist_only", status: "closed", confidence: "confirmed" });
    // First bad measurement: the first non-whitelisted target (index 4), probe p1, in window 12.
    expect(i.startedAt).toBe(new Date(T0 + 12 * WINDOW_MS + 30_000 + 4 * 1000).toISOString());
    // Last normal measurement of the affected targets before it: the last one, probe p2, window 11.
    expect(i.lastGoodAt).toBe(new Date(T0 + 11 * WINDOW_MS + 30_000 + 11 * 1000 + 100).toISOString());
    // Recovery: the first affected target measured in window 18.
    expect(i.endedAt).toBe(new Date(T0 + 18 * WINDOW_MS + 30_000 + 4 * 1000).toISOString());
    expect(i.summary).toMatch(/^On network kcell-mobile in KZ-75, access was reduced to a whitelist/);
    expect(i.summary).toContain("from 2026-01-05 01:00 UTC to 2026-01-05 01:30 UTC");
    expect(i.evidence.probes).toEqual(["p1", "p2"]);
    expect(i.evidence.measurementIds).toHaveLength(16); // 8 non-whitelisted × 2 probes in window 12
    for (const id of i.evidence.measurementIds) {
      const m = await store.getMeasurement(id);
      expect(m?.verdict.accessible).toBe(false);
      expect(m?.target.list).toBe("non_whitelisted");
    }
    expect(i.revisions).toEqual([]);
    expect(i.revisedAt).toBeNull();

    // A restarted detector on the same store re-derives the same incident and says nothing new.
    events = [];
    clock = endOf(22);
    await insertWindow(22, "normal");
    await detector().runPass();
    expect(events).toEqual([]);
    expect(await store.listIncidents({})).toHaveLength(1);
  });

  it("a pass whose commit check fails (a deposed leader) saves nothing and emits nothing; the next leader's pass does", async () => {
    let leading = true;
    const d = detector({ beforeCommit: async () => { if (!leading) throw new Error("no longer the detector leader"); } });
    for (let w = 0; w < 16; w++) {
      await insertWindow(w, w >= 12 ? "whitelist_only" : "normal");
      clock = endOf(w);
      if (w === 13) leading = false;
      if (w >= 8 && w < 15) await d.runPass().catch(() => undefined);
    }
    expect(events).toEqual([]);
    expect(await store.listIncidents({})).toEqual([]);
    // A fresh detector (the new leader) derives the incident from the store the old one never wrote to.
    await detector().runPass();
    expect(events.map((e) => e.type)).toEqual(["opened"]);
    expect(await store.listIncidents({})).toHaveLength(1);
  });

  it("late data: a dark incident becomes whitelist-only, same id, when the spooled measurements arrive", async () => {
    const d = detector();
    for (let w = 0; w < 20; w++) {
      await insertWindow(w, w < 12 ? "normal" : null); // from window 12 the region's agent can only spool
      clock = endOf(w);
      if (w >= 8) await d.runPass();
    }
    expect(events.map((e) => [e.type, e.incident.kind, e.incident.network])).toEqual([["opened", "dark", null]]);
    const dark = events[0]!.incident;
    expect(dark.lastGoodAt).toBe(new Date(T0 + 11 * WINDOW_MS + 30_000 + 11 * 1000 + 100).toISOString());
    expect(dark.startedAt).toBe(new Date(T0 + 12 * WINDOW_MS).toISOString());
    expect(dark.summary).toMatch(/^In KZ-75, every probe fell silent after 2026-01-05 00:5\d UTC/);

    // The agent reconnects and uploads its spool: the region was on a whitelist all along.
    events = [];
    const spooled: Measurement[] = [];
    for (let w = 12; w < 21; w++) spooled.push(...windowMeasurements(w, REGION, NET, ["p1", "p2"], "whitelist_only"));
    await store.insertMeasurements(spooled);
    await insertWindow(20, null);
    clock = endOf(20);
    await d.runPass();

    expect(events.map((e) => e.type)).toEqual(["revised"]);
    const revised = await store.getIncident(dark.id);
    expect(revised).toMatchObject({ id: dark.id, kind: "whitelist_only", network: NET, status: "open" });
    expect(revised?.revisedAt).toBe(new Date(clock).toISOString());
    expect(revised?.startedAt).toBe(new Date(T0 + 12 * WINDOW_MS + 30_000 + 4 * 1000).toISOString());
    expect(revised?.revisions.map((r) => [r.field, r.from, r.to])).toEqual([
      ["network", null, NET],
      ["kind", "dark", "whitelist_only"],
      ["startedAt", dark.startedAt, revised?.startedAt],
    ]);
    expect(await store.listIncidents({})).toHaveLength(1);
  });

  it("a site down for everyone, seen from the control too, never becomes an incident", async () => {
    const site = TARGETS[6]!;
    const d = detector();
    for (let w = 0; w < 20; w++) {
      const batch = [
        ...windowMeasurements(w, REGION, NET, ["p1", "p2", "p3"], "normal"),
        ...windowMeasurements(w, "CONTROL-EU", "hetzner", ["c1"], "normal", "control"),
      ].map((m) => {
        if (w < 12 || m.target.url !== site.url) return m;
        m.verdict = { accessible: false, blocking: null, failure: "tcp_timeout", determined: true };
        return m;
      });
      await store.insertMeasurements(batch);
      clock = endOf(w);
      if (w >= 8) await d.runPass();
    }
    expect(events).toEqual([]);
  });

  it("routine passes classify only new windows; a late upload revises on the very next pass, as a fresh detector would", async () => {
    const settle = { baselineRefreshSeconds: 86_400 }; // no refresh mid-test: counts stay exact
    const d = detector(settle);
    const classified: number[] = [];
    for (let w = 0; w < 18; w++) {
      await insertWindow(w, "normal");
      clock = endOf(w);
      if (w < 8) continue;
      const r = await d.runPass();
      classified.push(r.classifiedWindows);
      expect(r.full).toBe(w === 8);
    }
    // The first pass judges every window it has (KZ-75 and KZ-ALA, windows 0-8); then one window each.
    expect(classified[0]).toBe(2 * 9);
    expect(classified.slice(1)).toEqual(Array(9).fill(2));
    expect(events).toEqual([]);

    // A beeline probe in KZ-75, offline since window 10, uploads its spool: windows 10-15 were
    // whitelist-only on its network. The next pass reads and judges just those windows and the newest.
    const spool: Measurement[] = [];
    for (let w = 0; w < 10; w++) spool.push(...windowMeasurements(w, REGION, "beeline", ["b1"], "normal"));
    await store.insertMeasurements(spool);
    await d.runPass(); // beeline's history (windows 0-9) first, as its baseline needs it
    // Beeline fell silent after window 9 while kcell-mobile kept reporting: that network is dark (one
    // probe, so only suspected).
    expect(events.map((e) => [e.type, e.incident.network, e.incident.kind, e.incident.confidence])).toEqual([
      ["opened", "beeline", "dark", "suspected"],
    ]);
    events = [];
    spool.length = 0;
    for (let w = 10; w < 18; w++) spool.push(...windowMeasurements(w, REGION, "beeline", ["b1"], w < 16 ? "whitelist_only" : "normal"));
    await store.insertMeasurements(spool);
    await insertWindow(18, "normal");
    clock = endOf(18);
    const late = await d.runPass();
    expect(late.full).toBe(false);
    expect(late.classifiedWindows).toBe(8 + 2); // beeline 10-17 (new); kcell and KZ-ALA 18
    // The spool shows what the silence was: the dark incident becomes whitelist-only (same id), closed.
    expect(late.events.map((e) => [e.type, e.incident.network, e.incident.kind, e.incident.status])).toEqual([
      ["revised", "beeline", "whitelist_only", "closed"],
      ["closed", "beeline", "whitelist_only", "closed"],
    ]);
    expect(late.events[0]?.incident.startedAt).toBe(new Date(T0 + 10 * WINDOW_MS + 30_000 + 4 * 1000).toISOString());

    // A detector started now (no cache: it judges everything) finds nothing to change.
    events = [];
    const fresh = await detector(settle).runPass();
    expect(fresh.full).toBe(true);
    expect(fresh.classifiedWindows).toBeGreaterThan(late.classifiedWindows);
    expect(fresh.findings).toEqual(late.findings);
    expect(events).toEqual([]);
  });

  it("classifies the whole horizon again every fullPassSeconds", async () => {
    const d = detector({ baselineRefreshSeconds: 86_400, fullPassSeconds: 900 });
    const passes: [boolean, number][] = [];
    for (let w = 0; w < 16; w++) {
      await insertWindow(w, "normal");
      clock = endOf(w);
      if (w < 8) continue;
      const r = await d.runPass();
      passes.push([r.full, r.classifiedWindows]);
    }
    // Every third pass (900 s of 300-s windows) judges windows 0..w of both regions; the others only w.
    expect(passes).toEqual([[true, 18], [false, 2], [false, 2], [true, 24], [false, 2], [false, 2], [true, 30], [false, 2]]);
  });
});
