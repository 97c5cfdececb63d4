import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { decode, encode, RECURSION_DESIRED, TRUNCATED_RESPONSE } from "dns-packet";
import { createBogonMatcher } from "../../probes/bogons.js";
import { compareWithControl, parseResolver, probeDns } from "../../probes/dns.js";
import { toAsciiHostname } from "../../probes/idn.js";
import { dnsResultSchema, type DnsResult } from "../../probes/types.js";
import { startDnsServer, type TestDnsServer } from "../helpers/dns-server.js";

const lab = createBogonMatcher({ notBogon: ["198.18.0.0/15"] });

/** A UDP port with nothing behind it: bind, note the port, close. */
async function closedUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function ipv6Available(): Promise<boolean> {
  const s = createSocket("udp6");
  try {
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.bind(0, "::1", () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    try { s.close(); } catch { /* never bound */ }
  }
}

describe("probeDns against a resolver over UDP/TCP", () => {
  let dns: TestDnsServer;
  const ask = (name: string, extra: Partial<Parameters<typeof probeDns>[1]> = {}) =>
    probeDns(name, { resolver: dns.resolver, timeoutSeconds: 2, bogons: lab, ...extra }).then((r) => dnsResultSchema.parse(r));

  beforeAll(async () => {
    dns = await startDnsServer({
      rules: {
        "site.test": { A: ["198.18.0.10", "198.18.0.11"], AAAA: ["2001:4860:4860::8888"], ttl: 120 },
        "www.site.test": { CNAME: "cdn.site.test", ttl: 60 },
        "cdn.site.test": { CNAME: "edge.cdn.test", ttl: 30 },
        "edge.cdn.test": { A: ["198.18.0.20"], ttl: 20 },
        "alias-to-nothing.test": { CNAME: "empty.test" },
        "empty.test": {},
        "servfail.test": { rcode: "SERVFAIL" },
        "refused.test": { rcode: "REFUSED" },
        "silent.test": { silent: true },
        "big.test": { A: ["198.18.0.30"], truncateUdp: true },
        "spoofed.test": { A: ["198.18.0.40"], spoof: "before", delayMs: 20 },
        "spoofed-only.test": { spoof: "only" },
        "lie.test": { A: ["10.10.34.35"] },
        "mixed.test": { A: ["198.18.0.50", "127.0.0.1"] },
        "xn--d1acpjx3f.xn--p1ai": { A: ["198.18.0.60"] },
      },
    });
  });
  afterAll(() => dns.close());

  it("returns A and AAAA answers with TTLs, asked in parallel over UDP", async () => {
    const r = await ask("site.test");
    expect(r).toMatchObject({ query: "site.test", resolver: dns.resolver, transport: "udp", rcode: "NOERROR", failure: null, bogons: [] });
    expect(r.addresses).toEqual(["198.18.0.10", "198.18.0.11", "2001:4860:4860::8888"]);
    expect(r.answers).toContainEqual({ name: "site.test", type: "A", data: "198.18.0.10", ttl: 120 });
    expect(r.answers).toContainEqual({ name: "site.test", type: "AAAA", data: "2001:4860:4860::8888", ttl: 120 });
    const asked = dns.queries.filter((q) => q.name === "site.test").map((q) => q.type).sort();
    expect(asked).toEqual(["A", "AAAA"]);
  });

  it("follows the CNAME chain to the addresses at its end", async () => {
    const r = await ask("www.site.test");
    expect(r.failure).toBeNull();
    expect(r.cnameChain).toEqual(["cdn.site.test", "edge.cdn.test"]);
    expect(r.addresses).toEqual(["198.18.0.20"]);
    // The CNAMEs appear in both the A and the AAAA response but are recorded once.
    expect(r.answers.filter((a) => a.type === "CNAME")).toEqual([
      { name: "www.site.test", type: "CNAME", data: "cdn.site.test", ttl: 60 },
      { name: "cdn.site.test", type: "CNAME", data: "edge.cdn.test", ttl: 30 },
    ]);
  });

  it("classifies NXDOMAIN, SERVFAIL, REFUSED and empty answers", async () => {
    expect(await ask("missing.test")).toMatchObject({ rcode: "NXDOMAIN", failure: "dns_nxdomain", addresses: [] });
    expect(await ask("servfail.test")).toMatchObject({ rcode: "SERVFAIL", failure: "dns_servfail" });
    expect(await ask("refused.test")).toMatchObject({ rcode: "REFUSED", failure: "dns_refused" });
    expect(await ask("empty.test")).toMatchObject({ rcode: "NOERROR", failure: "dns_no_answer" });
    const alias = await ask("alias-to-nothing.test");
    expect(alias).toMatchObject({ failure: "dns_no_answer", cnameChain: ["empty.test"], addresses: [] });
  });

  it("times out on a silent resolver after resending the query", async () => {
    const before = dns.queries.length;
    const r = await ask("silent.test", { timeoutSeconds: 0.6, udpAttempts: 3 });
    expect(r).toMatchObject({ failure: "dns_timeout", rcode: null, addresses: [], transport: "udp" });
    const sent = dns.queries.slice(before).filter((q) => q.name === "silent.test" && q.type === "A");
    expect(sent.length).toBe(3);
  });

  it("retries over TCP when the UDP answer is truncated", async () => {
    const r = await ask("big.test", { types: ["A"] });
    expect(r).toMatchObject({ transport: "tcp", failure: null, addresses: ["198.18.0.30"] });
    const log = dns.queries.filter((q) => q.name === "big.test").map((q) => q.transport);
    expect(log).toEqual(["udp", "tcp"]);
  });

  it("ignores packets with a wrong id or a different question", async () => {
    const r = await ask("spoofed.test", { types: ["A"] });
    expect(r.addresses).toEqual(["198.18.0.40"]);
    expect(r.failure).toBeNull();
    const only = await ask("spoofed-only.test", { types: ["A"], timeoutSeconds: 0.5 });
    expect(only).toMatchObject({ failure: "dns_timeout", addresses: [] });
  });

  it("flags answers in bogon ranges, and honours the lab exception", async () => {
    const r = await ask("lie.test");
    expect(r).toMatchObject({ failure: "dns_bogon", addresses: ["10.10.34.35"], bogons: ["10.10.34.35"] });
    const mixed = await ask("mixed.test");
    expect(mixed).toMatchObject({ failure: "dns_bogon", bogons: ["127.0.0.1"] });
    const strict = await ask("site.test", { bogons: createBogonMatcher() });
    expect(strict).toMatchObject({ failure: "dns_bogon", bogons: ["198.18.0.10", "198.18.0.11"] });
  });

  it("sends IDN names as punycode", async () => {
    expect(toAsciiHostname("яндекс.рф")).toBe("xn--d1acpjx3f.xn--p1ai");
    const r = await ask("ЯНДЕКС.рф.");
    expect(r).toMatchObject({ query: "xn--d1acpjx3f.xn--p1ai", addresses: ["198.18.0.60"], failure: null });
    expect(dns.queries.some((q) => q.name === "xn--d1acpjx3f.xn--p1ai")).toBe(true);
  });

  it("ends like a timeout when the caller aborts", async () => {
    const controller = new AbortController();
    const pending = ask("silent.test", { timeoutSeconds: 30, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ failure: "dns_timeout" });
  });

  it("asks A and AAAA from one UDP socket, each question with its own id", async () => {
    const seen: { port: number; id: number; type: string }[] = [];
    const server = createSocket("udp4");
    server.on("message", (msg, from) => {
      const q = decode(msg);
      const question = q.questions![0]!;
      seen.push({ port: from.port, id: q.id!, type: question.type });
      const data = question.type === "A" ? "198.18.0.7" : "2a00:1450:4001::7";
      server.send(encode({ type: "response", id: q.id, flags: RECURSION_DESIRED, questions: [question],
        answers: [{ type: question.type, name: question.name, ttl: 60, data } as never] }), from.port, from.address);
    });
    await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", () => resolve()));
    try {
      const r = await probeDns("one.test", { resolver: `127.0.0.1:${server.address().port}`, timeoutSeconds: 2, bogons: lab });
      expect(r).toMatchObject({ addresses: ["198.18.0.7", "2a00:1450:4001::7"], failure: null, transport: "udp" });
      expect(seen.map((s) => s.type).sort()).toEqual(["A", "AAAA"]);
      expect(new Set(seen.map((s) => s.port)).size).toBe(1);
      expect(seen[0]!.id).not.toBe(seen[1]!.id);
    } finally {
      server.close();
    }
  });

  it("takes a truncated A over TCP at once, while AAAA is still unanswered over UDP", async () => {
    // A censor (or a broken resolver) that never answers AAAA must not cost us the A answer.
    const udp = createSocket("udp4");
    udp.on("message", (msg, from) => {
      const q = decode(msg);
      const question = q.questions![0]!;
      if (question.type !== "A") return; // AAAA: silence
      udp.send(encode({ type: "response", id: q.id, flags: RECURSION_DESIRED | TRUNCATED_RESPONSE, questions: [question] }),
        from.port, from.address);
    });
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", () => resolve()));
    const port = udp.address().port;
    const tcp = createServer((conn) => {
      conn.once("data", (frame: Buffer) => {
        const q = decode(frame.subarray(2));
        const question = q.questions![0]!;
        const answer = encode({ type: "response", id: q.id, flags: RECURSION_DESIRED, questions: [question],
          answers: [{ type: "A", name: question.name, ttl: 60, data: "198.18.0.8" }] });
        const out = Buffer.alloc(2 + answer.length);
        out.writeUInt16BE(answer.length, 0);
        answer.copy(out, 2);
        conn.end(out);
      });
    });
    await new Promise<void>((resolve) => tcp.listen(port, "127.0.0.1", () => resolve()));
    try {
      const r = await probeDns("trunc.test", { resolver: `127.0.0.1:${port}`, timeoutSeconds: 1, bogons: lab });
      expect(r).toMatchObject({ addresses: ["198.18.0.8"], failure: null, transport: "tcp" });
    } finally {
      udp.close();
      tcp.close();
    }
  });

  it("reports dns_error when the resolver's port is closed", async () => {
    const port = await closedUdpPort();
    const r = await probeDns("site.test", { resolver: `127.0.0.1:${port}`, timeoutSeconds: 2 });
    expect(r).toMatchObject({ failure: "dns_error", rcode: null, resolver: `127.0.0.1:${port}` });
  });

  it("rejects bad arguments instead of measuring them", async () => {
    await expect(probeDns("bad name", { resolver: dns.resolver, timeoutSeconds: 1 })).rejects.toThrow(TypeError);
    await expect(probeDns("a..b", { resolver: dns.resolver, timeoutSeconds: 1 })).rejects.toThrow(TypeError);
    await expect(probeDns("site.test", { resolver: "dns.google", timeoutSeconds: 1 })).rejects.toThrow(TypeError);
  });
});

describe("parseResolver", () => {
  it("accepts IPv4 and IPv6 with and without a port", () => {
    expect(parseResolver("192.0.2.53")).toEqual({ host: "192.0.2.53", port: 53 });
    expect(parseResolver("127.0.0.1:5353")).toEqual({ host: "127.0.0.1", port: 5353 });
    expect(parseResolver("[::1]:53")).toEqual({ host: "::1", port: 53 });
    expect(parseResolver("[::1]")).toEqual({ host: "::1", port: 53 });
    expect(parseResolver("2001:db8::53")).toEqual({ host: "2001:db8::53", port: 53 });
    for (const bad of ["127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", "1.2.3.4:53:1", "[::1]:x", "localhost:53"]) {
      expect(() => parseResolver(bad), bad).toThrow(TypeError);
    }
  });
});

describe("probeDns over IPv6", () => {
  it("queries a resolver on [::1]", async (ctx) => {
    if (!(await ipv6Available())) return ctx.skip();
    const dns6 = await startDnsServer({ host: "::1", rules: { "v6.test": { A: ["198.18.1.1"], AAAA: ["2a00:1450::1"] } } });
    try {
      expect(dns6.resolver).toMatch(/^\[::1\]:\d+$/);
      const r = await probeDns("v6.test", { resolver: dns6.resolver, timeoutSeconds: 2, bogons: lab });
      expect(r).toMatchObject({ resolver: dns6.resolver, failure: null, addresses: ["198.18.1.1", "2a00:1450::1"] });
    } finally {
      await dns6.close();
    }
  });
});

describe("probeDns with the system resolver", () => {
  // Only names /etc/hosts answers: a test must not send queries to the host's configured resolver.
  it("resolves localhost through getaddrinfo and calls loopback a bogon", async () => {
    const r = dnsResultSchema.parse(await probeDns("localhost", { resolver: "system", timeoutSeconds: 5 }));
    expect(r).toMatchObject({ resolver: "system", transport: "system", rcode: null, failure: "dns_bogon" });
    expect(r.addresses).toContain("127.0.0.1");
    expect(r.bogons).toEqual(r.addresses);
    const allowed = await probeDns("localhost", {
      resolver: "system", timeoutSeconds: 5, bogons: createBogonMatcher({ notBogon: ["127.0.0.0/8", "::1"] }),
    });
    expect(allowed.failure).toBeNull();
  });
});

describe("compareWithControl", () => {
  let region: TestDnsServer;
  let control: TestDnsServer;
  const both = async (name: string): Promise<[DnsResult, DnsResult]> => Promise.all([
    probeDns(name, { resolver: region.resolver, timeoutSeconds: 0.5, bogons: lab, types: ["A"] }),
    probeDns(name, { resolver: control.resolver, timeoutSeconds: 0.5, bogons: lab, types: ["A"] }),
  ]);

  beforeAll(async () => {
    region = await startDnsServer({
      rules: {
        "same.test": { A: ["198.18.2.1", "198.18.2.2"] },
        "cdn.test": { A: ["198.18.2.9"] },
        "blocked.test": { rcode: "NXDOMAIN" },
        "lied.test": { A: ["10.0.0.1"] },
        "regiononly.test": { A: ["198.18.2.5"] },
        "timeout.test": { silent: true },
      },
    });
    control = await startDnsServer({
      rules: {
        "same.test": { A: ["198.18.2.2", "198.18.2.3"] },
        "cdn.test": { A: ["198.18.2.8"] },
        "blocked.test": { A: ["198.18.2.4"] },
        "lied.test": { A: ["198.18.2.6"] },
        "timeout.test": { silent: true },
      },
    });
  });
  afterAll(async () => {
    await region.close();
    await control.close();
  });

  it("is consistent with a common address", async () => {
    const c = compareWithControl(...(await both("same.test")));
    expect(c).toEqual({ consistent: true, reason: "common_address", common: ["198.18.2.2"], probeOnly: ["198.18.2.1"] });
  });

  it("is consistent when both fail, whatever the error", async () => {
    expect(compareWithControl(...(await both("gone.test")))).toMatchObject({ consistent: true, reason: "both_failed" });
    expect(compareWithControl(...(await both("timeout.test")))).toMatchObject({ consistent: true, reason: "both_failed" });
  });

  it("is inconsistent when only the probe fails, or only the control", async () => {
    expect(compareWithControl(...(await both("blocked.test")))).toMatchObject({ consistent: false, reason: "probe_failed" });
    expect(compareWithControl(...(await both("regiononly.test")))).toMatchObject({ consistent: false, reason: "control_failed" });
  });

  it("is inconsistent for bogon-only answers against real ones", async () => {
    expect(compareWithControl(...(await both("lied.test")))).toMatchObject({
      consistent: false, reason: "probe_bogons_only", probeOnly: ["10.0.0.1"],
    });
  });

  it("leaves disjoint real answers to a TLS check by listing the probe-only addresses", async () => {
    expect(compareWithControl(...(await both("cdn.test")))).toEqual({
      consistent: false, reason: "no_common_address", common: [], probeOnly: ["198.18.2.9"],
    });
  });

  it("compares IPv6 addresses in canonical form", () => {
    const base: DnsResult = { query: "x.test", resolver: "system", transport: "system", rcode: null, answers: [],
      addresses: [], cnameChain: [], bogons: [], failure: null, time: 0 };
    const c = compareWithControl({ ...base, addresses: ["2001:0DB8:0:0::1"] }, { ...base, addresses: ["2001:db8::1"] });
    expect(c).toMatchObject({ consistent: true, reason: "common_address", common: ["2001:db8::1"] });
  });
});
