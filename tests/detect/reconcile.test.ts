// Reconciling findings with published incidents: stable ids, events, revisions, retraction.
import { describe, expect, it } from "vitest";
import { buildIncident, incidentId } from "../../src/detect/build.js";
import type { Bounds } from "../../src/detect/bounds.js";
import type { Finding } from "../../src/detect/types.js";
import type { IncidentKind } from "../../src/incident.js";
import { WITHDRAWN, reconcile } from "../../src/detect/reconcile.js";

const T = Date.UTC(2026, 0, 5, 18, 0);
const MIN = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();

function finding(kind: IncidentKind, o: Partial<Finding> = {}): Finding {
  return {
    region: "KZ-75", network: kind === "dark" ? null : "kcell-mobile", kind, kinds: [{ kind, since: T }], seededFrom: null,
    firstBad: { start: T, end: T + 5 * MIN, lastAt: T + 4 * MIN }, lastBad: { start: T + 5 * MIN, end: T + 10 * MIN, lastAt: T + 9 * MIN },
    lastGood: { start: T - 5 * MIN, end: T, lastAt: T - MIN }, recovery: null, targets: ["list:non_whitelisted"],
    affectedUrls: [], probes: ["p1", "p2"], maxAgreeingProbes: 2, networks: ["kcell-mobile"], controlAvailable: true, controlCoverage: 1,
    confidence: "confirmed", counts: { badWindows: 2 }, figures: { whitelistedObserved: 0.95, nonWhitelistedObserved: 0.01, nonWhitelistedUsual: 0.97 },
    ...o,
  };
}

const bounds = (start: number, end: number | null = null, lastGood: number | null = T - MIN): Bounds =>
  ({ startedAt: iso(start), lastGoodAt: lastGood === null ? null : iso(lastGood), endedAt: end === null ? null : iso(end) });

const now = new Date(T + 30 * MIN);
const from = T - 60 * MIN;

describe("reconcile", () => {
  it("publishes a new finding as an opened incident with a stable id", () => {
    const b = { finding: finding("whitelist_only"), bounds: bounds(T + 30_000), measurementIds: ["m1", "m2"] };
    const { save, events } = reconcile({ built: [b], existing: [], from, now });
    expect(events.map((e) => e.type)).toEqual(["opened"]);
    expect(save[0]?.id).toBe(incidentId("KZ-75", "kcell-mobile", "whitelist_only", iso(T + 30_000)));
    expect(save[0]?.id).toMatch(/^kz-75-[0-9a-f]{16}$/);
    expect(save[0]?.evidence.measurementIds).toEqual(["m1", "m2"]);
    // Same input, same id: stable across passes and restarts.
    expect(reconcile({ built: [b], existing: [], from, now }).save[0]?.id).toBe(save[0]?.id);
  });

  it("an unchanged incident produces no save and no event", () => {
    const b = { finding: finding("whitelist_only"), bounds: bounds(T + 30_000), measurementIds: [] };
    const existing = buildIncident(b);
    expect(reconcile({ built: [b], existing: [existing], from, now })).toEqual({ save: [], events: [] });
  });

  it("a live escalation is kind_changed with a revision entry but no revisedAt", () => {
    const before = buildIncident({ finding: finding("service_blocking", { targets: ["https://t.me/"] }), bounds: bounds(T + 30_000), measurementIds: [] });
    const after = finding("whitelist_only", { kinds: [{ kind: "service_blocking", since: T }, { kind: "whitelist_only", since: T + 15 * MIN }] });
    const { save, events } = reconcile({ built: [{ finding: after, bounds: bounds(T + 30_000), measurementIds: [] }], existing: [before], from, now });
    expect(events.map((e) => e.type)).toEqual(["kind_changed"]);
    expect(save[0]).toMatchObject({ id: before.id, kind: "whitelist_only", revisedAt: null });
    expect(save[0]?.revisions).toEqual([{ at: now.toISOString(), field: "kind", from: "service_blocking", to: "whitelist_only", reason: "the measurements changed to whitelist_only" }]);
  });

  it("closing emits closed; late data moving the start emits revised with revisedAt", () => {
    const prev = buildIncident({ finding: finding("full_shutdown"), bounds: bounds(T + 30_000), measurementIds: [] });
    const closed = reconcile({
      built: [{ finding: finding("full_shutdown", { recovery: { start: T + 20 * MIN, end: T + 25 * MIN, lastAt: T + 24 * MIN } }), bounds: bounds(T + 30_000, T + 20 * MIN + 10_000), measurementIds: [] }],
      existing: [prev], from, now,
    });
    expect(closed.events.map((e) => e.type)).toEqual(["closed"]);
    expect(closed.save[0]).toMatchObject({ status: "closed", endedAt: iso(T + 20 * MIN + 10_000), revisedAt: null });

    const earlier = reconcile({ built: [{ finding: finding("full_shutdown"), bounds: bounds(T - 4 * MIN, null, T - 6 * MIN), measurementIds: [] }], existing: [prev], from, now });
    expect(earlier.events.map((e) => e.type)).toEqual(["revised"]);
    expect(earlier.save[0]?.id).toBe(prev.id);
    expect(earlier.save[0]?.revisedAt).toBe(now.toISOString());
    expect(earlier.save[0]?.revisions.map((r) => r.field)).toEqual(["startedAt", "lastGoodAt"]);
  });

  it("keeps what was published before the re-evaluated horizon", () => {
    const prev = buildIncident({ finding: finding("whitelist_only"), bounds: bounds(T - 120 * MIN, null, T - 121 * MIN), measurementIds: [] });
    const seeded = finding("whitelist_only", { seededFrom: prev.id, lastGood: null });
    const { save, events } = reconcile({ built: [{ finding: seeded, bounds: bounds(from, null, null), measurementIds: [] }], existing: [prev], from, now });
    expect(events).toEqual([]);
    expect(save.every((i) => i.startedAt === prev.startedAt)).toBe(true);
  });

  it("an incident inside the horizon that the data no longer shows is closed with a revision", () => {
    const prev = buildIncident({ finding: finding("throttling"), bounds: bounds(T), measurementIds: [] });
    const { save, events } = reconcile({ built: [], existing: [prev], from, now });
    expect(events.map((e) => e.type)).toEqual(["revised", "closed"]);
    expect(save[0]).toMatchObject({ id: prev.id, status: "closed", endedAt: now.toISOString(), revisedAt: now.toISOString() });
    expect(save[0]?.revisions[0]?.field).toBe("status");
  });

  it("a dark incident is taken over, same id, by the network incident its late data reveals", () => {
    const dark = buildIncident({ finding: finding("dark", { targets: [] }), bounds: bounds(T + 5 * MIN), measurementIds: [] });
    const { save, events } = reconcile({ built: [{ finding: finding("whitelist_only"), bounds: bounds(T + 30_000), measurementIds: [] }], existing: [dark], from, now });
    expect(events.map((e) => e.type)).toEqual(["revised"]);
    expect(save).toHaveLength(1);
    expect(save[0]).toMatchObject({ id: dark.id, kind: "whitelist_only", network: "kcell-mobile", revisedAt: now.toISOString() });
    expect(save[0]?.revisions.map((r) => r.field)).toEqual(["network", "kind", "startedAt"]);
  });
});

describe("reconcile: withdrawing what late data no longer supports", () => {
  it("withdraws once, and later passes leave the withdrawn incident alone", () => {
    const prev = buildIncident({ finding: finding("service_blocking", { targets: ["https://t.me/"] }), bounds: bounds(T + 30_000), measurementIds: [] });
    const first = reconcile({ built: [], existing: [prev], from, now });
    expect(first.events.map((e) => e.type)).toEqual(["revised", "closed"]);
    const withdrawn = first.save[0]!;
    expect(withdrawn).toMatchObject({ status: "closed", endedAt: now.toISOString(), revisedAt: now.toISOString() });
    expect(withdrawn.summary).not.toMatch(/ongoing/);
    expect(withdrawn.summary).toMatch(/Withdrawn on /);
    const later = new Date(now.getTime() + 5 * MIN);
    expect(reconcile({ built: [], existing: [withdrawn], from, now: later })).toEqual({ save: [], events: [] });
  });

  it("points a dark incident at the network incident its region's late measurements show", () => {
    const dark = buildIncident({ finding: finding("dark"), bounds: bounds(T + 10 * MIN), measurementIds: [] });
    const shutdown = { finding: finding("full_shutdown"), bounds: bounds(T + 30_000), measurementIds: [] };
    const existingShutdown = buildIncident(shutdown);
    const { save, events } = reconcile({ built: [shutdown], existing: [existingShutdown, dark], from, now });
    const withdrawn = save.find((i) => i.id === dark.id)!;
    expect(withdrawn.status).toBe("closed");
    expect(withdrawn.revisions.at(-1)?.reason).toContain(`show full_shutdown on network kcell-mobile (incident ${existingShutdown.id})`);
    expect(events.filter((e) => e.incident.id === dark.id).map((e) => e.type)).toEqual(["revised", "closed"]);
  });

  it("a withdrawn dark incident is never reopened under its id: the darkness coming back is a new incident that can close", () => {
    // Pass 1: the region goes silent at T + 10 min: a dark incident is published.
    const darkAt = T + 10 * MIN;
    const first = reconcile({ built: [{ finding: finding("dark"), bounds: bounds(darkAt), measurementIds: [] }], existing: [], from, now });
    const dark = first.save[0]!;
    // Pass 2: spooled measurements arrive and cover the silence: withdrawn.
    const p2 = reconcile({ built: [], existing: [dark], from, now: new Date(now.getTime() + 5 * MIN) });
    const withdrawn = p2.save[0]!;
    expect(withdrawn).toMatchObject({ id: dark.id, status: "closed" });
    // Pass 3: the region is silent again from the same moment (the spool was partial): the same region,
    // kind and start. Before the fix this matched the withdrawn incident and reopened it (status open,
    // endedAt null) under its id; withdraw() then refused a second withdrawal and it never closed.
    const p3 = reconcile({ built: [{ finding: finding("dark"), bounds: bounds(darkAt), measurementIds: [] }], existing: [withdrawn], from, now: new Date(now.getTime() + 10 * MIN) });
    expect(p3.events.map((e) => e.type)).toEqual(["opened"]);
    const again = p3.save[0]!;
    expect(again.id).not.toBe(dark.id);
    expect(again.id.startsWith(dark.id)).toBe(true);
    expect(p3.save.some((i) => i.id === dark.id)).toBe(false);
    // Pass 4: nothing supports it any more: the new one is withdrawn too, and both stay closed.
    const p4 = reconcile({ built: [], existing: [withdrawn, again], from, now: new Date(now.getTime() + 15 * MIN) });
    expect(p4.save.map((i) => [i.id, i.status])).toEqual([[again.id, "closed"]]);
    expect(p4.save[0]?.endedAt).not.toBeNull();
  });

  it("an incident an older version left open after withdrawing it is closed, even before the horizon", () => {
    const dark = buildIncident({ finding: finding("dark"), bounds: bounds(from - 30 * MIN), measurementIds: [] });
    const stuck = { ...dark, revisions: [{ at: iso(T), field: "status", from: "open", to: "closed", reason: WITHDRAWN }] };
    const { save, events } = reconcile({ built: [], existing: [stuck], from, now });
    expect(events.map((e) => e.type)).toEqual(["revised", "closed"]);
    expect(save[0]).toMatchObject({ id: dark.id, status: "closed", endedAt: now.toISOString() });
  });
});
