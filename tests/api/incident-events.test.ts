// MergedIncidentEvents: an API process that may lead the detector hears its own passes (hub) and another
// leader's through the store (poller); each subscriber must hear every version of an incident once.
import { describe, expect, it } from "vitest";
import { IncidentEventHub, MergedIncidentEvents } from "../../src/api/incident-events.js";
import type { Incident } from "../../src/incident.js";
import { testIncident } from "./harness.js";

describe("MergedIncidentEvents", () => {
  it("delivers each version once per subscriber, whichever source tells first", () => {
    const hub = new IncidentEventHub();
    const store = new IncidentEventHub(); // stands in for the poller: same interface, driven by hand
    const merged = new MergedIncidentEvents([hub, store]);
    const a: Incident[] = [];
    const b: Incident[] = [];
    const offA = merged.subscribe((i) => a.push(i));
    const opened = testIncident({ id: "inc-1" });
    hub.publish(opened);
    store.publish(opened); // the poller sees the same version a moment later
    const offB = merged.subscribe((i) => b.push(i)); // a later subscriber still hears new versions
    const closed = { ...opened, status: "closed" as const, endedAt: "2026-01-05T18:40:00.000Z" };
    store.publish(closed);
    hub.publish(closed);
    expect(a.map((i) => i.status)).toEqual(["open", "closed"]);
    expect(b.map((i) => i.status)).toEqual(["closed"]);
    offA();
    hub.publish({ ...closed, summary: "revised" });
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(2);
    offB();
  });
});
