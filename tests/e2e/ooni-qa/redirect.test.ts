// OONI Web Connectivity QA cases with redirects (ooni.md §4.2): a link shortener ("bit.ly") redirects to a
// site the censor blocks at the redirect hop — NXDOMAIN, refused, reset, FIN, blackholed — plus broken
// Location headers and endless chains. A failure names the layer it happened in, whichever hop it was, and
// the whole check keeps one deadline.
import { describe, expect, it } from "vitest";
import { get, rawExchange, rawTlsHandshake } from "../fixtures/ooni-qa/raw-client.js";
import { expectOoniOutcome, useQaLab } from "../fixtures/ooni-qa/run.js";
import type { CensorRule, QaCase } from "../fixtures/ooni-qa/world.js";

const blocked = (blocking: "dns" | "tcp" | "tls" | "http-failure", failure: string) =>
  ({ accessible: false, blocking, failure, determined: true });
const down = (failure: string) => ({ accessible: false, blocking: null, failure, determined: true });

/** The shortener and its target: `https://short.qaN.example/` redirects to `<scheme>://www.qaN.example/`. */
function viaShortener(id: number, scheme: "http" | "https") {
  const target = `www.qa${id}.example`;
  return {
    url: `https://short.qa${id}.example/redirect?to=${scheme}://${target}/`,
    sites: [{ host: `short.qa${id}.example` }, { host: target }],
    target,
  };
}

/** The same DPI action on the target's `Host:` (:80) and its SNI (:443), as OONI's cases do. */
const onHostAndSni = (action: "reset" | "drop" | "fin", name: string): CensorRule[] => [
  { action, name, port: 80, trigger: "host" },
  { action, name, port: 443, trigger: "sni" },
];

const hop = (id: number, scheme: "http" | "https") => viaShortener(id, scheme);
const h29 = hop(29, "http"), h30 = hop(30, "https"), h31 = hop(31, "http"), h32 = hop(32, "https"), h33 = hop(33, "https");
const h34 = hop(34, "http"), h35 = hop(35, "https"), h36 = hop(36, "http"), h37 = hop(37, "https");

const CASES: QaCase[] = [
  {
    id: 27, name: "redirectWithBrokenLocationForHTTP", url: "http://www.qa27.example/redirect?to=http://", needsHelper: true,
    ooni: 'redirect to `Location: http://`; http_invalid_redirect_location_host; "http-failure"/false',
    sites: [{ host: "www.qa27.example" }],
    // Argued difference (README): the helper follows the same broken Location and fails the same way from
    // outside, so the site is broken for everyone (down), not blocked; OONI's http-failure is a false positive.
    expect: down("http_error"),
  },
  {
    id: 28, name: "redirectWithBrokenLocationForHTTPS", url: "https://www.qa28.example/redirect?to=https://", needsHelper: true,
    ooni: 'redirect to `Location: https://`; http_invalid_redirect_location_host; "http-failure"/false',
    sites: [{ host: "www.qa28.example" }],
    // Argued difference (README): the helper follows the same broken Location and fails the same way from
    // outside, so the site is broken for everyone (down), not blocked; OONI's http-failure is a false positive.
    expect: down("http_error"),
  },
  {
    id: 29, name: "redirectWithConsistentDNSAndThenConnectionRefusedForHTTP", url: h29.url, sites: h29.sites, needsHelper: true,
    ooni: 'redirect to http://; the target\'s :80 and :443 refused; connection_refused; "http-failure"/false (BF=2: TCP)',
    censor: [{ action: "refuse", name: h29.target, port: 80 }, { action: "refuse", name: h29.target, port: 443 }],
    expect: blocked("tcp", "tcp_refused"),
  },
  {
    id: 30, name: "redirectWithConsistentDNSAndThenConnectionRefusedForHTTPS", url: h30.url, sites: h30.sites, needsHelper: true,
    ooni: 'redirect to https://; the target refused; connection_refused; "http-failure"/false (BF=2: TCP)',
    censor: [{ action: "refuse", name: h30.target, port: 80 }, { action: "refuse", name: h30.target, port: 443 }],
    expect: blocked("tcp", "tcp_refused"),
  },
  {
    id: 31, name: "redirectWithConsistentDNSAndThenConnectionResetForHTTP", url: h31.url, sites: h31.sites, needsHelper: true,
    ooni: 'RST on the target\'s `Host:` and SNI; connection_reset; "http-failure"/false',
    censor: onHostAndSni("reset", h31.target),
    expect: blocked("http-failure", "http_reset"),
  },
  {
    id: 32, name: "redirectWithConsistentDNSAndThenConnectionResetForHTTPS", url: h32.url, sites: h32.sites, needsHelper: true,
    ooni: 'RST on the target\'s SNI; connection_reset; "http-failure"/false (BF=4: TLS)',
    censor: onHostAndSni("reset", h32.target),
    expect: blocked("tls", "tls_reset"),
  },
  {
    id: 33, name: "redirectWithConsistentDNSAndThenNXDOMAIN", url: h33.url, sites: h33.sites, cli: true,
    ooni: 'the region\'s resolver says NXDOMAIN for the target; dns_nxdomain_error; "dns"/false',
    regionDns: { [h33.target]: { rcode: "NXDOMAIN" } },
    expect: blocked("dns", "dns_nxdomain"),
  },
  {
    id: 34, name: "redirectWithConsistentDNSAndThenEOFForHTTP", url: h34.url, sites: h34.sites, needsHelper: true,
    ooni: 'FIN injected on the target\'s `Host:` and SNI; eof_error; "http-failure"/false',
    censor: onHostAndSni("fin", h34.target),
    expect: blocked("http-failure", "http_eof"),
  },
  {
    id: 35, name: "redirectWithConsistentDNSAndThenEOFForHTTPS", url: h35.url, sites: h35.sites, needsHelper: true,
    ooni: 'FIN injected on the target\'s SNI; eof_error; "http-failure"/false (BF=4: TLS)',
    censor: onHostAndSni("fin", h35.target),
    expect: blocked("tls", "tls_eof"),
  },
  {
    id: 36, name: "redirectWithConsistentDNSAndThenTimeoutForHTTP", url: h36.url, sites: h36.sites, needsHelper: true,
    ooni: 'packets dropped after the target\'s `Host:` / SNI; generic_timeout_error; "http-failure"/false',
    censor: onHostAndSni("drop", h36.target),
    expect: blocked("http-failure", "http_timeout"),
  },
  {
    id: 37, name: "redirectWithConsistentDNSAndThenTimeoutForHTTPS", url: h37.url, sites: h37.sites, needsHelper: true, cli: true,
    ooni: 'ClientHello to the target blackholed; generic_timeout_error; "http-failure"/false (BF=4: TLS)',
    censor: onHostAndSni("drop", h37.target),
    expect: blocked("tls", "tls_timeout"),
  },
  {
    id: 38, name: "redirectWithMoreThanTenRedirectsAndHTTP", url: "http://www.qa38.example/chain/15", needsHelper: true,
    ooni: '15 redirects; "unknown_failure: stopped after too many redirects"; blocking=false, accessible=false (down)',
    sites: [{ host: "www.qa38.example" }],
    expect: down("http_too_many_redirects"),
  },
  {
    id: 39, name: "redirectWithMoreThanTenRedirectsAndHTTPS", url: "https://www.qa39.example/chain/15", needsHelper: true,
    ooni: "15 redirects over TLS; same as #38 (down)",
    sites: [{ host: "www.qa39.example" }],
    expect: down("http_too_many_redirects"),
  },
];

const qa = useQaLab(CASES);

describe("the lab's middlebox", () => {
  it("injects a FIN for `Host: <name>` and for the SNI, and forwards everything else to the site", async () => {
    const address = qa.lab().addressOf(h34.target);
    const fin = await rawExchange(address, 80, get(h34.target));
    expect(fin).toEqual({ data: "", end: "fin" });
    const other = await rawExchange(address, 80, get(h34.target, "host"));
    expect(other.data).toMatch(/^HTTP\/1\.1 200/);
    expect(await rawTlsHandshake(address, h34.target)).toBe("ECONNRESET"); // node's word for a FIN mid-handshake
    expect(await rawTlsHandshake(address, "other.qa34.example")).toBe("ok");
  });
});

describe("OONI Web Connectivity QA: redirects", () => {
  it.each(CASES)("#$id $name", (c) => expectOoniOutcome(c, qa.observed(c)));
  it.each(CASES.filter((c) => c.cli))("keepwatch measure --json: #$id $name", (c) => expectOoniOutcome(c, qa.observedCli(c)));
});
