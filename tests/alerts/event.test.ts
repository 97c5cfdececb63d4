import { describe, expect, it } from "vitest";
import { alertEventFromIncidentEvent, reminderEvent } from "../../src/alerts/event.js";
import { incident } from "./fixtures.js";

describe("alert event ids", () => {
  it("are the same for the same event and differ between events", () => {
    const inc = incident();
    const opened = alertEventFromIncidentEvent({ type: "opened", incident: inc, at: "2026-01-05T13:10:00Z" });
    // Seen again later (a restart): same id, because the id comes from the incident, not the clock.
    expect(alertEventFromIncidentEvent({ type: "opened", incident: inc, at: "2026-01-05T19:00:00Z" }).id).toBe(opened.id);
    const change1 = alertEventFromIncidentEvent({ type: "kind_changed", previousKind: "whitelist_only",
      incident: { ...inc, kind: "full_shutdown", revisedAt: "2026-01-05T14:00:00Z" } });
    const change2 = alertEventFromIncidentEvent({ type: "kind_changed", previousKind: "full_shutdown",
      incident: { ...inc, kind: "whitelist_only", revisedAt: "2026-01-05T15:00:00Z" } });
    const closed = alertEventFromIncidentEvent({ type: "closed", incident: { ...inc, status: "closed", endedAt: "2026-01-05T16:00:00Z" } });
    const other = alertEventFromIncidentEvent({ type: "opened", incident: { ...inc, id: "inc-other" } });
    const ids = [opened.id, change1.id, change2.id, closed.id, other.id,
      reminderEvent(inc, 1, new Date()).id, reminderEvent(inc, 2, new Date()).id];
    expect(new Set(ids).size).toBe(ids.length);
    expect(reminderEvent(inc, 1, new Date(0)).id).toBe(reminderEvent(inc, 1, new Date()).id);

    // A live kind change leaves revisedAt alone; each one is a revision, so A→B→A→B are four events.
    const rev = (at: string, from: string, to: string) => ({ at, field: "kind", from, to, reason: "measurements changed" });
    const flips = [
      rev("2026-01-05T14:00:00Z", "whitelist_only", "full_shutdown"),
      rev("2026-01-05T14:30:00Z", "full_shutdown", "whitelist_only"),
      rev("2026-01-05T15:00:00Z", "whitelist_only", "full_shutdown"),
    ];
    const flipIds = flips.map((_, k) => alertEventFromIncidentEvent({
      type: "kind_changed", previousKind: k % 2 === 0 ? "whitelist_only" : "full_shutdown", at: "2026-01-05T16:00:00Z",
      incident: { ...inc, kind: k % 2 === 0 ? "full_shutdown" : "whitelist_only", revisedAt: null, revisions: flips.slice(0, k + 1) },
    }).id);
    expect(new Set(flipIds).size).toBe(3);
    expect(change1.previousKind).toBe("whitelist_only");
    expect(opened.previousKind).toBeNull();
  });
});
