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

describe("probe-side scrubbing of addresses nobody told us about", () => {
  // 203.0.113.7 is not a target: every way a page can spell it goes, the target's 198.18.0.10 stays.
  const keep = new Set(["198.18.0.10"]);
  const cases: [string, string][] = [
    ["203.0.113.7:48666", `${SCRUBBED}:48666`],
    ["ip%3D203.0.113.7", `ip%3D${SCRUBBED}`],
    ["203%2E0%2E113%2E7", SCRUBBED],
    ["203%252E0%252E113%252E7", SCRUBBED],
    ["host-203-0-113-7.isp.example", `host-${SCRUBBED}.isp.example`],
    ["7.113.0.203.in-addr.arpa", `${SCRUBBED}.in-addr.arpa`],
    ["203.0.113.7.dynamic.isp.example", `${SCRUBBED}.dynamic.isp.example`],
    ["203_0_113_7.cust", `${SCRUBBED}.cust`],
    ["::ffff:203.0.113.7", SCRUBBED],
    ["::ffff:cb00:7107", SCRUBBED],
    ["[::FFFF:CB00:7107]:443", `[${SCRUBBED}]:443`],
    ["0xcb007107", SCRUBBED],
    ["２０３．０．１１３．７", SCRUBBED],
    ["2001:db8::7", SCRUBBED],
    ["2001:0DB8:0000:0000:0000:0000:0000:0007", SCRUBBED],
    ["[2001:db8::7]:443", `[${SCRUBBED}]:443`],
    ["%5B2001%3Adb8%3A%3A7%5D", `[${SCRUBBED}]`],
    ["fe80::1%eth0", `${SCRUBBED}%eth0`],
    ["2001-db8--7.ipv6-literal.net", `${SCRUBBED}.ipv6-literal.net`],
  ];
  for (const [echo, expected] of cases) {
    it(`scrubs ${JSON.stringify(echo)}`, () => {
      expect(scrubText(`seen ${echo} here`, keep)).toBe(`seen ${expected} here`);
    });
  }

  it("leaves times, dates, versions, fingerprints, UUIDs and the target's own address byte for byte", () => {
    const benign = "served by 198.18.0.10:443 at 13:02:07 on 2026-03-10T12:00:00.000Z, nginx/1.18.0, v1.2.3, " +
      "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01, id 3f2a1b4c-9d8e-4f00-a1b2-c3d4e5f60718, 100%25 done, caf%C3%A9";
    expect(scrubText(benign, keep)).toBe(benign);
  });

  it("scrubs the machine's own interface addresses in every form, from evidence fields too", async () => {
    const { ownAddresses } = await import("../../src/privacy/own-addresses.js");
    const { addressFormsRegex } = await import("../../src/privacy/address-forms.js");
    const own = ownAddresses();
    expect(own.every((a) => !a.startsWith("127.") && a !== "::1")).toBe(true);
    // The same regex the default uses, built for one address so the test does not depend on this host.
    const known = addressFormsRegex(["198.18.99.5"]);
    const m = fixtureMeasurement({ url: "http://blocked.test/" });
    m.check.tcp.push({ address: "198.18.99.5", port: 80, failure: null, connectTime: 0.01 });
    m.check.dns[0]!.cnameChain = ["host-198-18-99-5.lan", "5.99.18.198.in-addr.arpa", "c6126305.example", "3323093765.example"];
    const out = scrubMeasurement(m, { known });
    const text = JSON.stringify(out);
    for (const form of ["198.18.99.5", "198-18-99-5", "5.99.18.198", "c6126305", "3323093765"]) expect(text).not.toContain(form);
    expect(out.check.tcp.map((t) => t.address)).toEqual(["198.18.0.10", SCRUBBED]);
    expect(out.id).toBe(m.id);
    expect(out.startedAt).toBe(m.startedAt);
  });

  it("walks every string: certificate fields, CNAME chains, error strings, verdict failure, header names", () => {
    const m = fixtureMeasurement({ url: "http://blocked.test/" });
    m.check.tls[0]!.certificate = { subject: "CN=203-0-113-7.isp", issuer: "CN=203.0.113.7", validFrom: "x", validTo: "y",
      altNames: ["IP Address:203.0.113.7"], fingerprint256: "AB:CD" };
    m.check.dns[0]!.cnameChain = ["7.113.0.203.in-addr.arpa"];
    m.verdict.failure = "connect ECONNRESET 203.0.113.7:443";
    m.check.http = { url: "http://blocked.test/", finalUrl: "http://blocked.test/", status: 200, failure: null, blockPage: null, time: 0.1,
      hops: [{ url: "http://blocked.test/", address: "198.18.0.10", status: 200, headers: { "x-203.0.113.7": "1" }, bodyLength: 1,
        bodySha256: null, bodyTruncated: false, title: null, failure: null,
        phases: { dns: null, connect: 0.01, tls: null, firstByte: 0.02, download: 0.01, total: 0.05 } }] };
    const out = JSON.stringify(scrubMeasurement(m, { known: null }));
    expect(out).not.toMatch(/203[.-]0[.-]113[.-]7|7\.113\.0\.203/);
    expect(out).toContain("198.18.0.10");
  });
});
