import { describe, expect, it } from "vitest";
import { SCRUBBED, scrubMeasurement, scrubText } from "../../src/privacy/scrub.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";

describe("scrubText", () => {
  const keep = new Set(["198.18.0.10"]);
  it("replaces IPv4 and IPv6 literals that are not kept, leaving times, versions and kept addresses", () => {
    expect(scrubText("Your IP 203.0.113.7 is blocked", keep)).toBe(`Your IP ${SCRUBBED} is blocked`);
    expect(scrubText("from 2001:db8::7.", keep)).toBe(`from ${SCRUBBED}.`);
    expect(scrubText("served by 198.18.0.10 at 13:02:07, v1.2.3", keep)).toBe("served by 198.18.0.10 at 13:02:07, v1.2.3");
    expect(scrubText("http://62.33.207.196/?ip=203.0.113.7", new Set(["62.33.207.196"])))
      .toBe(`http://62.33.207.196/?ip=${SCRUBBED}`);
  });
});

describe("scrubMeasurement", () => {
  it("scrubs the client's address from titles, headers and redirect URLs but keeps the target's", () => {
    const m = fixtureMeasurement({ url: "http://blocked.test/" });
    m.check.http = {
      url: "http://blocked.test/", finalUrl: "http://198.18.0.10/notice?client=203.0.113.7", status: 200, failure: null,
      blockPage: null, time: 0.1,
      hops: [{ url: "http://198.18.0.10/notice?client=203.0.113.7", address: "198.18.0.10", status: 200,
        headers: { "x-client": "203.0.113.7", location: "http://198.18.0.10/" }, bodyLength: 10, bodySha256: null,
        bodyTruncated: false, title: "Access denied for 203.0.113.7", failure: null,
        phases: { dns: null, connect: 0.01, tls: null, firstByte: 0.02, download: 0.01, total: 0.05 } }],
    };
    const out = scrubMeasurement(m);
    const text = JSON.stringify(out.check.http);
    expect(text).not.toContain("203.0.113.7");
    expect(text).toContain("198.18.0.10");
    expect(out.check.http?.hops[0]?.title).toBe(`Access denied for ${SCRUBBED}`);
    // The input is not mutated.
    expect(m.check.http.hops[0]?.title).toBe("Access denied for 203.0.113.7");
  });
});
