// Darkness, cadence, retirement, clock skew, local outages, long shutdowns, priors and late spools,
// each through the production path (Detector → IncrementalEvaluator → real SQLite store) with an injected
// clock, at the production cadence (300 s windows, 5-minute probes, one probe per network) and at a lab
// cadence (10 s). Each asserts the incidents exactly: kind, network, confidence, startedAt within one
// probe interval of onset, lastGoodAt before onset, endedAt, and nothing else.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Incident } from "../../src/incident.js";
import { LAB, Lab, PRODUCTION, T0, delays, type Cadence, type LabProbe } from "./dark-lab.js";

let lab: Lab | null = null;
afterEach(async () => {
  await lab?.stop();
  lab = null;
});
afterAll(() => {
  // The report's table: onset → published, in probe intervals.
  console.log(delays.map((d) => `${d.scenario} | ${d.cadence} | ${d.intervals.toFixed(2)}`).join("\n"));
});

function probes(c: Cadence, over: Partial<Record<string, Partial<LabProbe>>> = {}): LabProbe[] {
  const base: LabProbe[] = [
    { id: "f1", region: "KZ-75", network: "kt-fixed", cadence: c.interval },
    { id: "m1", region: "KZ-75", network: "kcell-mobile", cadence: c.interval },
    { id: "a1", region: "KZ-ALA", network: "beeline", cadence: c.interval },
    { id: "c1", region: "CONTROL-EU", network: "hetzner", role: "control", cadence: c.interval },
  ];
  const out = base.map((p) => ({ ...p, ...(over[p.id] ?? {}) }));
  for (const [id, p] of Object.entries(over)) if (!base.some((b) => b.id === id)) out.push({ id, cadence: c.interval, region: "KZ-77", network: "tele2", ...p } as LabProbe);
  return out;
}

async function start(ps: LabProbe[], c: Cadence, overrides = {}): Promise<Lab> {
  lab = new Lab(ps, c, overrides);
  await lab.start();
  return lab;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The common assertions on one incident; records the publication delay. */
function check(l: Lab, i: Incident, o: {
  scenario: string; kind: Incident["kind"]; network: string | null; confidence: Incident["confidence"];
  onset: number; restored: number | null; lastGood?: "before" | "null";
}): void {
  const U = l.ms(1);
  expect(i).toMatchObject({ kind: o.kind, network: o.network, confidence: o.confidence });
  expect(Math.abs(Date.parse(i.startedAt) - o.onset), `startedAt ${i.startedAt} vs onset ${iso(o.onset)}`).toBeLessThanOrEqual(U);
  if (o.lastGood === "null") expect(i.lastGoodAt).toBeNull();
  else {
    expect(i.lastGoodAt).not.toBeNull();
    expect(Date.parse(i.lastGoodAt ?? "")).toBeLessThan(o.onset);
  }
  if (o.restored === null) {
    expect(i.status).toBe("open");
    expect(i.endedAt).toBeNull();
  } else {
    expect(i.status).toBe("closed");
    const ended = Date.parse(i.endedAt ?? "");
    expect(ended, `endedAt ${i.endedAt} vs restored ${iso(o.restored)}`).toBeGreaterThanOrEqual(o.restored);
    expect(ended).toBeLessThanOrEqual(o.restored + U);
  }
  const published = l.publishedAt(i.id) ?? l.events.find((e) => e.event.incident.id === i.id)?.at ?? null;
  expect(published).not.toBeNull();
  delays.push({ scenario: o.scenario, cadence: l.cadence.name, intervals: ((published ?? 0) - o.onset) / U });
}

describe.each([PRODUCTION, LAB])("darkness scenarios at the $name cadence", (c) => {
  const U = c.interval * 1000;
  const onset = T0 + 20 * U;
  const restored = T0 + 40 * U;
  const during = (t: number): boolean => t >= onset && t < restored;

  it("mobile-only shutdown: the mobile network goes silent while the fixed one reports → dark on that network", async () => {
    const l = await start(probes(c, { m1: { behave: (t) => (during(t) ? "silent" : "ok") } }), c);
    await l.run(T0 + 50 * U);
    const all = await l.incidents();
    expect(all).toHaveLength(1);
    check(l, all[0]!, { scenario: "mobile-only shutdown", kind: "dark", network: "kcell-mobile", confidence: "suspected", onset, restored });
    expect(all[0]!.summary).toMatch(/^On network kcell-mobile in KZ-75/);
  });

  it("dark: every network of a region silent while others report → one region-wide dark incident", async () => {
    const silent = (t: number) => (during(t) ? "silent" as const : "ok" as const);
    const l = await start(probes(c, { m1: { behave: silent }, f1: { behave: silent } }), c);
    await l.run(T0 + 50 * U);
    const all = await l.incidents();
    expect(all).toHaveLength(1);
    check(l, all[0]!, { scenario: "dark (region)", kind: "dark", network: null, confidence: "confirmed", onset, restored });
  });

  it("a probe measuring every 6 intervals never flaps dark; its real silence still is dark", async () => {
    const slow = 6 * c.interval;
    const stop = T0 + 80 * U;
    const l = await start(probes(c, { s1: { region: "KZ-77", network: "tele2", cadence: slow, behave: (t) => (t >= stop ? "silent" : "ok") } }), c);
    await l.run(stop);
    expect(await l.incidents()).toEqual([]);
    await l.run(stop + 40 * U);
    const all = await l.incidents();
    expect(all).toHaveLength(1);
    // Its last round was at most one of its own intervals before it stopped.
    expect(all[0]).toMatchObject({ kind: "dark", network: null, region: "KZ-77", confidence: "suspected", status: "open" });
    expect(stop - Date.parse(all[0]!.lastGoodAt ?? "")).toBeLessThanOrEqual(slow * 1000);
    expect(Date.parse(all[0]!.startedAt) - Date.parse(all[0]!.lastGoodAt ?? "")).toBeLessThanOrEqual(U);
  });

  it("a retired probe stops counting: its silence closes (retirement period) and never reopens; a moved probe leaves no darkness behind", async () => {
    const gone = T0 + 20 * U;
    const l = await start(probes(c, {
      r1: { region: "KZ-77", network: "tele2", behave: (t) => (t >= gone ? "silent" : "ok") },
    }), c, { retireAfterSeconds: 30 * c.interval });
    await l.run(T0 + 45 * U);
    let all = await l.incidents();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ kind: "dark", region: "KZ-77", status: "open" });
    await l.run(T0 + 90 * U);
    all = await l.incidents();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ kind: "dark", region: "KZ-77", status: "closed" });
    // Closed when the probe retired (30 intervals after it was last heard), with the reason on record.
    expect(Date.parse(all[0]!.endedAt ?? "")).toBeGreaterThanOrEqual(gone + 29 * U);
    expect(Date.parse(all[0]!.endedAt ?? "")).toBeLessThanOrEqual(gone + 32 * U);
    expect(all[0]!.revisions.at(-1)?.reason).toMatch(/no active probe left.*r1 retired: silent longer than retireAfterSeconds/);
    expect(l.events.filter((e) => e.event.type === "opened")).toHaveLength(1);
  });

  it("a moved probe (same id, now in another region) does not keep its old region dark", async () => {
    const moved = T0 + 20 * U;
    const l = await start([
      ...probes(c),
      { id: "r1", region: "KZ-77", network: "tele2", cadence: c.interval, behave: (t) => (t >= moved ? "silent" : "ok") },
      { id: "r1", region: "KZ-ALA", network: "tele2", cadence: c.interval, phase: c.interval / 2, behave: (t) => (t >= moved ? "ok" : "silent") },
    ], c);
    await l.run(T0 + 60 * U);
    expect(await l.incidents()).toEqual([]);
  });

  it("clock-skewed probes (one 12 intervals behind, one 6 ahead) make nothing dark and revise nothing", async () => {
    const l = await start(probes(c, { m1: { skew: -12 * U }, f1: { skew: 6 * U } }), c);
    await l.run(T0 + 60 * U);
    expect(await l.incidents()).toEqual([]);
    expect(l.events).toEqual([]);
  });

  it("a volunteer's local outage (gateway and resolver down) is never a full shutdown; at most a suspected dark", async () => {
    const l = await start(probes(c, { m1: { behave: (t) => (during(t) ? "local_outage" : "ok") } }), c);
    await l.run(T0 + 50 * U);
    const all = await l.incidents();
    expect(all.filter((i) => i.kind !== "dark")).toEqual([]);
    expect(all).toHaveLength(1);
    check(l, all[0]!, { scenario: "volunteer's local outage", kind: "dark", network: "kcell-mobile", confidence: "suspected", onset, restored });
  });

  it("a lone probe whose every target fails (no local failure seen) is a suspected full shutdown, never confirmed", async () => {
    const l = await start(probes(c, { m1: { behave: (t) => (during(t) ? "full" : "ok") } }), c);
    await l.run(T0 + 50 * U);
    const all = await l.incidents();
    expect(all).toHaveLength(1);
    check(l, all[0]!, { scenario: "lone-probe full shutdown", kind: "full_shutdown", network: "kcell-mobile", confidence: "suspected", onset, restored });
  });

  it("deployment during a regime: whitelist-only from the first measurement is still whitelist_only", async () => {
    const end = T0 + 30 * U;
    const l = await start(probes(c, { m1: { behave: (t) => (t < end ? "whitelist_only" : "ok") } }), c);
    await l.run(T0 + 45 * U);
    const all = await l.incidents();
    expect(all).toHaveLength(1);
    check(l, all[0]!, { scenario: "deployment during a regime", kind: "whitelist_only", network: "kcell-mobile", confidence: "suspected", onset: T0, restored: end, lastGood: "null" });
  });

  it("late results (a throttled link: every result arrives 2 intervals late) are not dark", async () => {
    const l = await start(probes(c, { m1: { delay: (t) => (during(t) ? 2 * U : 1000) } }), c);
    await l.run(T0 + 50 * U);
    expect(await l.incidents()).toEqual([]);
    expect(l.events).toEqual([]);
  });

  it("results suddenly 5 intervals late: nothing arrives for longer than the threshold, so dark — withdrawn as soon as they arrive, and nothing after", async () => {
    const l = await start(probes(c, { m1: { delay: (t) => (during(t) ? 5 * U : 1000) } }), c);
    await l.run(T0 + 50 * U);
    const all = await l.incidents();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ kind: "dark", network: "kcell-mobile", status: "closed", confidence: "suspected" });
    expect(all[0]!.revisions.at(-1)?.reason).toMatch(/^re-evaluation with late measurements/);
    const withdrawnAt = l.events.find((e) => e.event.type === "closed")?.at ?? 0;
    expect(withdrawnAt - onset).toBeLessThanOrEqual(6 * U + U);
  });

  it("late spools: a network silent while cut off is dark, and becomes what its spool shows (same id)", async () => {
    const l = await start(probes(c, {
      m1: { behave: (t) => (during(t) ? "whitelist_only" : "ok"), delay: (t) => (during(t) ? restored - t + 1000 : 1000) },
    }), c);
    await l.run(restored - U);
    let all = await l.incidents();
    expect(all).toHaveLength(1);
    const dark = all[0]!;
    check(l, dark, { scenario: "late spool (dark while cut off)", kind: "dark", network: "kcell-mobile", confidence: "suspected", onset, restored: null });
    await l.run(T0 + 50 * U);
    all = await l.incidents();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ id: dark.id, kind: "whitelist_only", network: "kcell-mobile", status: "closed" });
    expect(Math.abs(Date.parse(all[0]!.startedAt) - onset)).toBeLessThanOrEqual(U);
    expect(all[0]!.revisions.map((r) => r.field)).toContain("kind");
  });

  it("a withdrawn dark incident never reopens under its id: the silence coming back is a new incident that closes", async () => {
    const spooled = T0 + 30 * U;
    const back = T0 + 45 * U;
    const l = await start(probes(c, {
      r1: {
        region: "KZ-77", network: "tele2",
        // Offline (spooling) from 20 to 30, uploads it all at 30, then really silent from 30 to 45.
        behave: (t) => (t >= spooled && t < back ? "silent" : "ok"),
        delay: (t) => (t >= onset && t < spooled ? spooled - t + 1000 : 1000),
      },
    }), c);
    await l.run(spooled - U);
    const [first] = await l.incidents();
    expect(first).toMatchObject({ kind: "dark", region: "KZ-77", status: "open" });
    await l.run(T0 + 60 * U);
    const all = await l.incidents();
    expect(all).toHaveLength(2);
    const withdrawn = all.find((i) => i.id === first!.id)!;
    const again = all.find((i) => i.id !== first!.id)!;
    expect(withdrawn).toMatchObject({ status: "closed" });
    expect(withdrawn.revisions.some((r) => r.reason.startsWith("re-evaluation"))).toBe(true);
    expect(again).toMatchObject({ kind: "dark", region: "KZ-77", status: "closed" });
    expect(Math.abs(Date.parse(again.startedAt) - spooled)).toBeLessThanOrEqual(U);
    expect(Date.parse(again.endedAt ?? "")).toBeGreaterThanOrEqual(back);
    expect(Date.parse(again.endedAt ?? "")).toBeLessThanOrEqual(back + U);
  });
});

describe.each([
  { ...PRODUCTION, baselineHours: 24, shutdown: 7 * 24 * 12, every: 12 },
  { ...LAB, baselineHours: 1, shutdown: 7 * 360, every: 60 },
])("a week-long shutdown on a compressed clock at the $name cadence", (c) => {
  it("stays open all week and closes within closeAfter windows of the restoration", async () => {
    const U = c.interval * 1000;
    const onset = T0 + 20 * U;
    const restored = onset + c.shutdown * U;
    const l = await start([
      { id: "m1", region: "KZ-75", network: "kcell-mobile", cadence: c.interval, behave: (t) => (t >= onset && t < restored ? "whitelist_only" : "ok") },
      { id: "a1", region: "KZ-ALA", network: "beeline", cadence: c.interval },
      { id: "c1", region: "CONTROL-EU", network: "hetzner", role: "control", cadence: c.interval },
    // prior "none": the baseline-before-the-incident alone must carry it (with the default prior, the
    // prior would also stand in once the trailing history is all inside the incident).
    ], c, { baselineHours: c.baselineHours, prior: "none" });
    const busy = (t: number): boolean => t < onset + 10 * U || t > restored - 2 * U || Math.round((t - T0) / U) % c.every === 0;
    const states: string[] = [];
    await l.run(restored - U, (t) => busy(t));
    for (const e of l.events) states.push(`${e.event.type}:${e.event.incident.status}`);
    expect(states).toEqual(["opened:open"]);
    const open = (await l.incidents())[0]!;
    expect(open.status).toBe("open");
    await l.run(restored + 5 * U);
    const all = await l.incidents();
    expect(all).toHaveLength(1);
    check(l, all[0]!, { scenario: "week-long whitelist-only", kind: "whitelist_only", network: "kcell-mobile", confidence: "suspected", onset, restored });
    const closedAt = l.events.find((e) => e.event.type === "closed")?.at ?? 0;
    expect(closedAt - restored).toBeLessThanOrEqual((l.config.closeAfter + 1) * U);
  }, 900_000); // a simulated week of passes: minutes on a loaded 2-core machine
});
