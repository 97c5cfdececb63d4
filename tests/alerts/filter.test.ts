import { describe, expect, it } from "vitest";
import { alertEventFromIncidentEvent } from "../../src/alerts/event.js";
import { channelWants } from "../../src/alerts/filter.js";
import { alertChannelSchema, type AlertChannelConfig } from "../../src/config/schema.js";
import { incident } from "./fixtures.js";

const slack = (f: { regions?: string[]; kinds?: AlertChannelConfig["kinds"]; minConfidence?: "suspected" | "confirmed" }): AlertChannelConfig =>
  ({ type: "slack", name: "s", url: "http://127.0.0.1:9/", language: "en", ...f });

describe("channel filters", () => {
  const opened = alertEventFromIncidentEvent({ type: "opened", incident: incident({ region: "KZ-47", kind: "throttling" }) });

  it("takes everything without filters, and applies regions and kinds together", () => {
    expect(channelWants(slack({}), opened)).toBe(true);
    expect(channelWants(slack({ regions: ["KZ-47", "KZ-75"] }), opened)).toBe(true);
    expect(channelWants(slack({ regions: ["KZ-75"] }), opened)).toBe(false);
    expect(channelWants(slack({ kinds: ["throttling"] }), opened)).toBe(true);
    expect(channelWants(slack({ kinds: ["dark"] }), opened)).toBe(false);
    expect(channelWants(slack({ regions: ["KZ-47"], kinds: ["dark"] }), opened)).toBe(false);
    expect(channelWants(slack({ regions: [] }), opened)).toBe(false);
  });

  it("matches a kind change on the old or the new kind", () => {
    const changed = alertEventFromIncidentEvent({ type: "kind_changed", previousKind: "full_shutdown",
      incident: incident({ kind: "whitelist_only", revisedAt: "2026-01-05T14:00:00Z" }) });
    expect(channelWants(slack({ kinds: ["full_shutdown"] }), changed)).toBe(true);
    expect(channelWants(slack({ kinds: ["whitelist_only"] }), changed)).toBe(true);
    expect(channelWants(slack({ kinds: ["dark"] }), changed)).toBe(false);
  });

  it("minConfidence 'confirmed' leaves out suspected incidents; a channel without it (or 'suspected') takes both", () => {
    const suspected = alertEventFromIncidentEvent({ type: "opened", incident: incident({ confidence: "suspected" }) });
    const confirmed = alertEventFromIncidentEvent({ type: "opened", incident: incident({ confidence: "confirmed" }) });
    expect(channelWants(slack({ minConfidence: "confirmed" }), suspected)).toBe(false);
    expect(channelWants(slack({ minConfidence: "confirmed" }), confirmed)).toBe(true);
    expect(channelWants(slack({ minConfidence: "suspected" }), suspected)).toBe(true);
    expect(channelWants(slack({}), suspected)).toBe(true);
    // Parsed from YAML-like input: a bad value is a config error, absent means "suspected".
    expect(alertChannelSchema.safeParse({ type: "slack", name: "s", url: "http://127.0.0.1:9/", minConfidence: "sure" }).success).toBe(false);
    expect(alertChannelSchema.parse({ type: "slack", name: "s", url: "http://127.0.0.1:9/", minConfidence: "confirmed" }).minConfidence).toBe("confirmed");
  });
});
