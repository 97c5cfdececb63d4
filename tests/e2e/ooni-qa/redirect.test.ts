// OONI Web Connectivity QA cases with redirects (ooni.md §4.2): a link shortener ("bit.ly") redirects to a
// site the censor blocks at the redirect hop — NXDOMAIN, refused, reset, FIN, blackholed — plus broken
// Location headers and endless chains. A failure names the layer it happened in, whichever hop it was, and
// the whole check keeps one deadline.
import { describe, expect, it } from "vitest";
import { get, rawExchange, rawTlsHandshake } from "../fixtures/ooni-qa/raw-client.js";
import { blocked, down, onWww } from "../fixtures/ooni-qa/cases.js";
import { describeQaCases, useQaLab } from "../fixtures/ooni-qa/run.js";
import type { CensorRule, QaCase } from "../fixtures/ooni-qa/world.js";

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

const h34 = viaShortener(34, "http"); // also what the middlebox test below uses

/** Case #id: the shortener redirects to the target on `scheme`, and the censor does `censor` to the target. */
const redirected = (id: number, scheme: "http" | "https", censor: (target: string) => Partial<QaCase>) => {
  const { url, sites, target } = viaShortener(id, scheme);
  return { id, url, sites, ...censor(target) };
};
const refused = (target: string) =>
  ({ censor: [{ action: "refuse" as const, name: target, port: 80 }, { action: "refuse" as const, name: target, port: 443 }] });
const dpi = (action: "reset" | "drop" | "fin") => (target: string) => ({ censor: onHostAndSni(action, target) });
/** The same broken `Location` for everyone: the helper follows it and fails the same way from outside. */
const brokenLocation = (id: number, scheme: "http" | "https") => onWww(id, scheme, () => ({}), `/redirect?to=${scheme}://`);
/** A chain of 15 redirects on the site itself. */
const longChain = (id: number, scheme: "http" | "https") => onWww(id, scheme, () => ({}), "/chain/15");

const CASES: QaCase[] = [
  {
    ...brokenLocation(27, "http"), name: "redirectWithBrokenLocationForHTTP", needsHelper: true,
    ooni: 'redirect to `Location: http://`; http_invalid_redirect_location_host; "http-failure"/false',
    // Argued difference (README): the helper follows the same broken Location and fails the same way from
    // outside, so the site is broken for everyone (down), not blocked; OONI's http-failure is a false positive.
    expect: down("http_error"),
  },
  {
    ...brokenLocation(28, "https"), name: "redirectWithBrokenLocationForHTTPS", needsHelper: true,
    ooni: 'redirect to `Location: https://`; http_invalid_redirect_location_host; "http-failure"/false',
    // Argued difference, as #27.
    expect: down("http_error"),
  },
  {
    ...redirected(29, "http", refused), name: "redirectWithConsistentDNSAndThenConnectionRefusedForHTTP", needsHelper: true,
    ooni: 'redirect to http://; the target\'s :80 and :443 refused; connection_refused; "http-failure"/false (BF=2: TCP)',
    expect: blocked("tcp", "tcp_refused"),
  },
  {
    ...redirected(30, "https", refused), name: "redirectWithConsistentDNSAndThenConnectionRefusedForHTTPS", needsHelper: true,
    ooni: 'redirect to https://; the target refused; connection_refused; "http-failure"/false (BF=2: TCP)',
    expect: blocked("tcp", "tcp_refused"),
  },
  {
    ...redirected(31, "http", dpi("reset")), name: "redirectWithConsistentDNSAndThenConnectionResetForHTTP", needsHelper: true,
    ooni: 'RST on the target\'s `Host:` and SNI; connection_reset; "http-failure"/false',
    expect: blocked("http-failure", "http_reset"),
  },
  {
    ...redirected(32, "https", dpi("reset")), name: "redirectWithConsistentDNSAndThenConnectionResetForHTTPS", needsHelper: true,
    ooni: 'RST on the target\'s SNI; connection_reset; "http-failure"/false (BF=4: TLS)',
    expect: blocked("tls", "tls_reset"),
  },
  {
    ...redirected(33, "https", (target) => ({ regionDns: { [target]: { rcode: "NXDOMAIN" as const } } })),
    name: "redirectWithConsistentDNSAndThenNXDOMAIN", cli: true,
    ooni: 'the region\'s resolver says NXDOMAIN for the target; dns_nxdomain_error; "dns"/false',
    expect: blocked("dns", "dns_nxdomain"),
  },
  {
    ...redirected(34, "http", dpi("fin")), name: "redirectWithConsistentDNSAndThenEOFForHTTP", needsHelper: true,
    ooni: 'FIN injected on the target\'s `Host:` and SNI; eof_error; "http-failure"/false',
    expect: blocked("http-failure", "http_eof"),
  },
  {
    ...redirected(35, "https", dpi("fin")), name: "redirectWithConsistentDNSAndThenEOFForHTTPS", needsHelper: true,
    ooni: 'FIN injected on the target\'s SNI; eof_error; "http-failure"/false (BF=4: TLS)',
    expect: blocked("tls", "tls_eof"),
  },
  {
    ...redirected(36, "http", dpi("drop")), name: "redirectWithConsistentDNSAndThenTimeoutForHTTP", needsHelper: true,
    ooni: 'packets dropped after the target\'s `Host:` / SNI; generic_timeout_error; "http-failure"/false',
    expect: blocked("http-failure", "http_timeout"),
  },
  {
    ...redirected(37, "https", dpi("drop")), name: "redirectWithConsistentDNSAndThenTimeoutForHTTPS", needsHelper: true, cli: true,
    ooni: 'ClientHello to the target blackholed; generic_timeout_error; "http-failure"/false (BF=4: TLS)',
    expect: blocked("tls", "tls_timeout"),
  },
  {
    ...longChain(38, "http"), name: "redirectWithMoreThanTenRedirectsAndHTTP", needsHelper: true,
    ooni: '15 redirects; "unknown_failure: stopped after too many redirects"; blocking=false, accessible=false (down)',
    expect: down("http_too_many_redirects"),
  },
  {
    ...longChain(39, "https"), name: "redirectWithMoreThanTenRedirectsAndHTTPS", needsHelper: true,
    ooni: "15 redirects over TLS; same as #38 (down)",
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

describeQaCases("OONI Web Connectivity QA: redirects", qa, CASES);
