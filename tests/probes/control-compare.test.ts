// OONI's consistency rules against a helper's answer, case by case: each layer's comparison and each branch
// of the decision tree, with the layers a site check would have produced.
import { describe, expect, it } from "vitest";
import { compareHttp, decideWithHelper, dnsConsistency, isHttpDiff } from "../../probes/control-compare.js";
import type { ControlAnswer, ControlEndpoint, ControlHttp } from "../../probes/control-types.js";
import type { CheckLayers, DnsResult, HttpHop, HttpResult, TcpResult, TlsResult } from "../../probes/types.js";

const dns = (addresses: string[], failure: DnsResult["failure"] = null): DnsResult => ({
  query: "site.test", resolver: "127.0.0.1:53", transport: "udp", rcode: failure === "dns_nxdomain" ? "NXDOMAIN" : "NOERROR",
  answers: [], addresses, cnameChain: [], bogons: [], failure, time: 0.01,
});
const tcp = (address: string, failure: TcpResult["failure"] = null, port = 80): TcpResult => ({ address, port, failure, connectTime: failure ? null : 0.01 });
const tls = (address: string, failure: TlsResult["failure"] = null): TlsResult => ({
  address, port: 443, serverName: "site.test", alpn: null, protocol: null, failure, handshakeTime: failure ? null : 0.01, certificate: null,
});
const hop = (over: Partial<HttpHop> = {}): HttpHop => ({
  url: "http://site.test/", address: "192.0.2.10", status: 200, headers: {}, headerNames: ["content-type", "x-request-id"],
  bodyLength: 10_000, bodySha256: "0".repeat(64), bodyTruncated: false, title: "Independent news today", failure: null,
  phases: { dns: null, connect: null, tls: null, firstByte: null, download: null, total: 0.1 }, ...over,
});
const http = (h: HttpHop | null, failure: HttpResult["failure"] = null): HttpResult => ({
  url: "http://site.test/", finalUrl: "http://site.test/", hops: h ? [h] : [], status: h?.status ?? null, failure, blockPage: null, time: 0.1,
});
const layers = (over: Partial<CheckLayers> = {}): CheckLayers => ({
  dnsBlockPage: null, dns: [dns(["192.0.2.10"])], controlDns: null, tcp: [tcp("192.0.2.10")], tls: [], http: http(hop()), https: false, ...over,
});
const controlHttp = (over: Partial<ControlHttp> = {}): ControlHttp => ({
  status: 200, failure: null, headers: {}, headerNames: ["content-type", "x-request-id"], title: "Independent news today",
  bodyLength: 10_200, bodySha256: null, bodyTruncated: false, finalUrl: "http://site.test/", redirects: [], ...over,
});
const endpoint = (address: string, over: Partial<ControlEndpoint> = {}): ControlEndpoint => ({
  address, port: 80, source: "both", refused: false, tcp: { failure: null, connectTime: 0.01 }, tls: null, ...over,
});
const answer = (over: Partial<ControlAnswer> = {}): ControlAnswer => ({
  version: 1, url: "http://site.test/", dns: { resolver: "system", addresses: ["192.0.2.10"], failure: null },
  endpoints: [endpoint("192.0.2.10")], http: controlHttp(), refusals: [], time: 0.2, budgetSeconds: 15, ...over,
});
const decide = (l: CheckLayers, a: ControlAnswer) => decideWithHelper(l, { helper: "https://h.example/api/v1/control", answer: a });

describe("DNS consistency with the helper", () => {
  it("is consistent on a common address and when both fail", () => {
    expect(dnsConsistency(layers(), answer())).toBe("consistent");
    expect(dnsConsistency(layers({ dns: [dns([], "dns_nxdomain")] }), answer({ dns: { resolver: "system", addresses: [], failure: "dns_nxdomain" } }))).toBe("consistent");
  });
  it("is inconsistent when we fail and the helper resolves, and on ghost DNS (we resolve, it does not)", () => {
    expect(dnsConsistency(layers({ dns: [dns([], "dns_nxdomain")] }), answer())).toBe("inconsistent");
    expect(dnsConsistency(layers(), answer({ dns: { resolver: "system", addresses: [], failure: "dns_nxdomain" } }))).toBe("inconsistent");
  });
  it("accepts addresses only we resolved when our own TLS handshake with the name vouches for them", () => {
    const cdn = layers({ dns: [dns(["203.0.113.5"])], https: true, tcp: [tcp("203.0.113.5", null, 443)], tls: [tls("203.0.113.5", "tls_reset")] });
    expect(dnsConsistency(cdn, answer())).toBe("inconsistent");
    expect(dnsConsistency({ ...cdn, tls: [tls("203.0.113.5")] }, answer())).toBe("consistent");
  });
  it("does not let the helper's handshake on our address vouch for it (a pass-through proxy on our path, QA #47)", () => {
    const proxied = layers({ dns: [dns(["203.0.113.5"])], https: true, tcp: [tcp("203.0.113.5", null, 443)], tls: [tls("203.0.113.5", "tls_reset")], http: null });
    const helperShook = answer({ endpoints: [endpoint("203.0.113.5", { source: "probe", port: 443, tls: { serverName: "site.test", failure: null } })] });
    expect(dnsConsistency(proxied, helperShook)).toBe("inconsistent");
    expect(decide(proxied, helperShook).verdict).toEqual({ accessible: false, blocking: "dns", failure: "tls_reset", determined: true });
  });
  it("has nothing to say for an IP URL", () => {
    expect(dnsConsistency(layers({ dns: [] }), answer({ dns: null }))).toBeNull();
  });
});

describe("HTTP comparison (OONI httpdiff)", () => {
  it("matches a page of about the same length", () => {
    const c = compareHttp(hop(), controlHttp());
    expect(c).toEqual({ statusCodeMatch: true, bodyLengthMatch: true, headersMatch: true, titleMatch: true });
    expect(isHttpDiff(c)).toBe(false);
  });
  it("body proportion is > 0.7, not ≥, and unknown for a truncated body", () => {
    expect(compareHttp(hop({ bodyLength: 700 }), controlHttp({ bodyLength: 1000 })).bodyLengthMatch).toBe(false);
    expect(compareHttp(hop({ bodyLength: 701 }), controlHttp({ bodyLength: 1000 })).bodyLengthMatch).toBe(true);
    expect(compareHttp(hop({ bodyTruncated: true }), controlHttp()).bodyLengthMatch).toBeNull();
  });
  it("status: different with the helper's 2xx is a mismatch; with its non-2xx, unknown", () => {
    expect(compareHttp(hop({ status: 403 }), controlHttp()).statusCodeMatch).toBe(false);
    expect(compareHttp(hop({ status: 200 }), controlHttp({ status: 503 })).statusCodeMatch).toBeNull();
    expect(isHttpDiff(compareHttp(hop({ status: 200 }), controlHttp({ status: 503 })))).toBe(true);
  });
  it("title: every word of 5+ letters in both, case and order ignored", () => {
    expect(compareHttp(hop({ title: "TODAY independent News" }), controlHttp()).titleMatch).toBe(true);
    expect(compareHttp(hop({ title: "Independent news" }), controlHttp()).titleMatch).toBe(false);
    expect(compareHttp(hop({ title: "a b c" }), controlHttp()).titleMatch).toBeNull();
  });
  it("headers: the same names, or a shared uncommon one; common and hop-by-hop names do not count", () => {
    expect(compareHttp(hop({ headerNames: ["server", "date", "x-a"] }), controlHttp({ headerNames: ["server", "date", "x-b"] })).headersMatch).toBe(false);
    expect(compareHttp(hop({ headerNames: ["server", "date"] }), controlHttp({ headerNames: ["date", "server"] })).headersMatch).toBe(true);
    expect(compareHttp(hop({ headerNames: ["connection", "content-type"] }), controlHttp({ headerNames: ["connection", "server"] })).headersMatch).toBe(false);
    // content-length is framing: every injected block page has one, so sharing it vouches for nothing.
    expect(compareHttp(hop({ headerNames: ["content-type", "content-length"] }), controlHttp({ headerNames: ["content-type", "content-length", "date"] })).headersMatch).toBe(false);
  });
  it("no diff iff the status matches and length, headers or title does", () => {
    const diffOnlyLength = compareHttp(hop({ bodyLength: 100 }), controlHttp());
    expect(isHttpDiff(diffOnlyLength)).toBe(false); // title and headers still match
    const blockPage = compareHttp(hop({ bodyLength: 100, title: "Access denied", headerNames: ["content-type"] }), controlHttp());
    expect(isHttpDiff(blockPage)).toBe(true);
  });
});

describe("decision with the helper", () => {
  it("cleartext: accessible when the pages agree, http-diff when they do not", () => {
    expect(decide(layers(), answer()).verdict).toEqual({ accessible: true, blocking: null, failure: null, determined: true });
    const block = layers({ http: http(hop({ bodyLength: 90, title: "Access denied", headerNames: ["content-type"] })) });
    expect(decide(block, answer()).verdict).toEqual({ accessible: false, blocking: "http-diff", failure: "http_diff", determined: true });
  });
  it("https: a final response is accessible whatever the helper's page", () => {
    const l = layers({ https: true, tcp: [tcp("192.0.2.10", null, 443)], tls: [tls("192.0.2.10")], http: http(hop({ title: "other" })) });
    expect(decide(l, answer({ http: controlHttp({ title: "different words here" }) })).verdict.accessible).toBe(true);
  });
  it("TCP: our failure where the helper connects is tcp blocking; both failing is down", () => {
    const l = layers({ tcp: [tcp("192.0.2.10", "tcp_timeout")], http: null });
    expect(decide(l, answer()).verdict).toEqual({ accessible: false, blocking: "tcp", failure: "tcp_timeout", determined: true });
    const down = answer({ endpoints: [endpoint("192.0.2.10", { tcp: { failure: "tcp_refused", connectTime: null } })], http: controlHttp({ status: null, failure: "http_error" }) });
    expect(decide(l, down).verdict).toEqual({ accessible: false, blocking: null, failure: "tcp_timeout", determined: true });
  });
  it("TCP: an endpoint the helper refused by policy says nothing", () => {
    const l = layers({ tcp: [tcp("192.0.2.10", "tcp_timeout")], http: null });
    const refused = answer({ endpoints: [endpoint("192.0.2.10", { refused: true, tcp: null })], http: null });
    expect(decide(l, refused).verdict).toEqual({ accessible: false, blocking: "tcp", failure: "tcp_timeout", determined: false });
  });
  it("TLS: our failure where the helper shakes hands is tls blocking", () => {
    const l = layers({ https: true, tcp: [tcp("192.0.2.10", null, 443)], tls: [tls("192.0.2.10", "tls_reset")], http: null });
    const ok = answer({ endpoints: [endpoint("192.0.2.10", { port: 443, tls: { serverName: "site.test", failure: null } })] });
    expect(decide(l, ok).verdict).toEqual({ accessible: false, blocking: "tls", failure: "tls_reset", determined: true });
  });
  it("HTTP failure: blocking when the helper fetched the page, down when it failed too", () => {
    const l = layers({ http: http(hop({ status: null, failure: "http_reset" }), "http_reset") });
    expect(decide(l, answer()).verdict).toEqual({ accessible: false, blocking: "http-failure", failure: "http_reset", determined: true });
    expect(decide(l, answer({ http: controlHttp({ status: null, failure: "http_reset" }) })).verdict.blocking).toBeNull();
  });
  it("DNS: our NXDOMAIN where the helper resolves is dns; both failing is down", () => {
    const l = layers({ dns: [dns([], "dns_nxdomain")], tcp: [], http: null });
    expect(decide(l, answer()).verdict).toEqual({ accessible: false, blocking: "dns", failure: "dns_nxdomain", determined: true });
    expect(decide(l, answer({ dns: { resolver: "system", addresses: [], failure: "dns_nxdomain" } })).verdict)
      .toEqual({ accessible: false, blocking: null, failure: "dns_nxdomain", determined: true });
  });
  it("ghost DNS: the helper finds no such name while our resolver leads to a page: dns", () => {
    const ghost = answer({ dns: { resolver: "system", addresses: [], failure: "dns_nxdomain" }, endpoints: [], http: null });
    expect(decide(layers(), ghost).verdict).toEqual({ accessible: false, blocking: "dns", failure: "dns_inconsistent", determined: true });
  });
  it("cleartext through an address DNS disagreed on: the helper's page vouches for it (QA #14), a different one is dns", () => {
    const proxied = layers({ dns: [dns(["203.0.113.99"])], tcp: [tcp("203.0.113.99")] });
    expect(decide(proxied, answer()).verdict).toEqual({ accessible: true, blocking: null, failure: null, determined: true });
    const block = layers({ dns: [dns(["203.0.113.99"])], tcp: [tcp("203.0.113.99")], http: http(hop({ bodyLength: 90, title: "Access denied", headerNames: ["content-type"] })) });
    expect(decide(block, answer()).verdict).toEqual({ accessible: false, blocking: "dns", failure: "dns_inconsistent", determined: true });
  });
  it("the same loopback answer from both sides, never connected to, is a site down (QA #25)", () => {
    const l = layers({ dns: [{ ...dns(["127.0.0.1"], "dns_bogon"), bogons: ["127.0.0.1"] }], tcp: [], http: null });
    const same = answer({ dns: { resolver: "system", addresses: ["127.0.0.1"], failure: null }, endpoints: [endpoint("127.0.0.1", { refused: true, tcp: null })], http: null });
    expect(decide(l, same).verdict).toEqual({ accessible: false, blocking: null, failure: "dns_bogon", determined: true });
  });
  it("a redirect hop's failure keeps its layer: tcp, tls or dns, not http-failure", () => {
    for (const [failure, layer] of [["tcp_refused", "tcp"], ["tls_reset", "tls"], ["tls_eof", "tls"], ["http_reset", "http-failure"]] as const) {
      const l = layers({ http: http(hop({ status: null, failure }), failure) });
      expect(decide(l, answer()).verdict).toEqual({ accessible: false, blocking: layer, failure, determined: true });
    }
  });
  it("an inconsistent answer turns a later failure into dns", () => {
    const l = layers({ dns: [dns(["203.0.113.99"])], tcp: [tcp("203.0.113.99", "tcp_refused")], http: null });
    expect(decide(l, answer()).verdict).toEqual({ accessible: false, blocking: "dns", failure: "tcp_refused", determined: true });
  });
  it("summarises the control for the Measurement", () => {
    const { summary } = decide(layers(), answer());
    expect(summary).toMatchObject({ helper: "https://h.example/api/v1/control", tcp: { "192.0.2.10:80": "ok" }, consistency: { dns: "consistent", statusCodeMatch: true } });
  });
  it("records a helper's time to the microsecond, even from a helper that sends it unrounded", () => {
    expect(decide(layers(), answer({ time: 0.43187262999999 })).summary.time).toBe(0.431873);
    expect(decide(layers(), answer({ time: 2.5 })).summary.time).toBe(2.5);
  });
});
