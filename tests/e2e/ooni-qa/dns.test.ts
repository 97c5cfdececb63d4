// OONI Web Connectivity QA cases about DNS (ooni.md §4.2): lies from the region's resolver (NXDOMAIN, a
// bogon, loopback, a block-page server, the ISP's transparent proxy), ghost DNS, and sites whose DNS is
// broken for everyone. Expected outcomes are OONI's, mapped to KeepWatch's verdict (README, "OONI QA cases").
import { describe, it } from "vitest";
import { expectOoniOutcome, useQaLab } from "../fixtures/ooni-qa/run.js";
import type { QaCase } from "../fixtures/ooni-qa/world.js";

const dnsLie = (failure: string) => ({ accessible: false, blocking: "dns" as const, failure, determined: true });
const down = (failure: string) => ({ accessible: false, blocking: null, failure, determined: true });
const accessible = { accessible: true, blocking: null, failure: null, determined: true };

const CASES: QaCase[] = [
  {
    id: 4, name: "badSSLWithUnknownAuthorityWithInconsistentDNS", url: "https://www.qa4.example/",
    ooni: 'dns inconsistent; ssl_unknown_authority; "dns"/false',
    sites: [{ host: "www.qa4.example" }, { host: "mitm.qa4.example", http: false, https: "untrusted" }],
    regionDns: { "www.qa4.example": { site: "mitm.qa4.example" } },
    expect: dnsLie("tls_cert_untrusted"),
  },
  {
    id: 10, name: "dnsBlockingBOGON", url: "https://www.qa10.example/",
    ooni: 'generic_timeout_error (connect to bogon); inconsistent; "dns"/false',
    sites: [{ host: "www.qa10.example" }], regionDns: { "www.qa10.example": { bogon: true } },
    expect: dnsLie("tcp_timeout"),
  },
  {
    id: 11, name: "dnsBlockingNXDOMAIN", url: "https://www.qa11.example/",
    ooni: 'dns_nxdomain_error; inconsistent; "dns"/false',
    sites: [{ host: "www.qa11.example" }], regionDns: { "www.qa11.example": { rcode: "NXDOMAIN" } },
    expect: dnsLie("dns_nxdomain"),
  },
  {
    id: 12, name: "dnsHijackingToLocalhostWithHTTP", url: "http://www.qa12.example/",
    ooni: 'inconsistent (never connects to loopback); "dns"/false',
    sites: [{ host: "www.qa12.example" }], regionDns: { "www.qa12.example": { loopback: true } },
    expect: dnsLie("dns_bogon"),
  },
  {
    id: 13, name: "dnsHijackingToLocalhostWithHTTPS", url: "https://www.qa13.example/",
    ooni: 'inconsistent (never connects to loopback); "dns"/false',
    sites: [{ host: "www.qa13.example" }], regionDns: { "www.qa13.example": { loopback: true } },
    expect: dnsLie("dns_bogon"),
  },
  {
    id: 14, name: "dnsHijackingToProxyWithHTTPURL", url: "http://www.qa14.example/",
    ooni: "inconsistent, but a TLS handshake with the name validates the proxy's address and the page is identical → false/true (OONI: debatable)",
    sites: [{ host: "www.qa14.example" }], regionDns: { "www.qa14.example": { proxy: true } },
    expect: accessible,
  },
  {
    id: 15, name: "dnsHijackingToProxyWithHTTPSURL", url: "https://www.qa15.example/",
    ooni: "inconsistent, validated by TLS → false/true",
    sites: [{ host: "www.qa15.example" }], regionDns: { "www.qa15.example": { proxy: true } },
    expect: accessible,
  },
  {
    id: 16, name: "ghostDNSBlockingWithHTTP", url: "http://www.qa16.example/", cli: true,
    ooni: 'control NXDOMAIN, region → block-page server; inconsistent; "dns"/false',
    sites: [{ host: "blockpage.qa16.example", page: "blockpage", https: false }],
    regionDns: { "www.qa16.example": { site: "blockpage.qa16.example" } },
    expect: dnsLie("dns_inconsistent"),
  },
  {
    id: 17, name: "ghostDNSBlockingWithHTTPS", url: "https://www.qa17.example/",
    ooni: 'connection_refused (block-page server has no :443); inconsistent; "dns"/false',
    sites: [{ host: "blockpage.qa17.example", page: "blockpage", https: false }],
    regionDns: { "www.qa17.example": { site: "blockpage.qa17.example" } },
    expect: dnsLie("tcp_refused"),
  },
  {
    id: 20, name: "httpDiffWithInconsistentDNS", url: "http://www.qa20.example/",
    ooni: 'DNS → ISP proxy, block page injected on both addresses; inconsistent → "dns"/false',
    sites: [{ host: "www.qa20.example" }], regionDns: { "www.qa20.example": { proxy: true } },
    censor: [
      { action: "blockpage", name: "www.qa20.example", port: 80, trigger: "host" },
      { action: "blockpage", name: "www.qa20.example", port: 80, trigger: "host", at: "proxy" },
    ],
    expect: dnsLie("dns_inconsistent"),
  },
  {
    id: 25, name: "localhostWithHTTP", url: "http://www.qa25.example/", cli: true,
    ooni: "every resolver (control too) answers 127.0.0.1; consistent; false/false (down)",
    regionDns: { "www.qa25.example": { loopback: true } }, controlDns: { "www.qa25.example": { loopback: true } },
    expect: down("dns_bogon"),
  },
  {
    id: 26, name: "localhostWithHTTPS", url: "https://www.qa26.example/",
    ooni: "every resolver answers 127.0.0.1; consistent; false/false (down)",
    regionDns: { "www.qa26.example": { loopback: true } }, controlDns: { "www.qa26.example": { loopback: true } },
    expect: down("dns_bogon"),
  },
  {
    id: 43, name: "tcpBlockingConnectionRefusedWithInconsistentDNS", url: "http://www.qa43.example/",
    ooni: 'DNS → block-page address whose port is closed; connection_refused; inconsistent; "dns"/false',
    sites: [{ host: "www.qa43.example" }, { host: "blockpage.qa43.example", http: false, https: false }],
    regionDns: { "www.qa43.example": { site: "blockpage.qa43.example" } },
    expect: dnsLie("tcp_refused"),
  },
  {
    id: 47, name: "tlsBlockingConnectionResetWithInconsistentDNS", url: "https://www.qa47.example/",
    ooni: 'DNS → ISP proxy + RST on SNI; connection_reset; inconsistent; "dns"/false',
    sites: [{ host: "www.qa47.example" }], regionDns: { "www.qa47.example": { proxy: true } },
    censor: [
      { action: "reset", name: "www.qa47.example", port: 443, trigger: "sni" },
      { action: "reset", name: "www.qa47.example", port: 443, trigger: "sni", at: "proxy" },
    ],
    expect: dnsLie("tls_reset"),
  },
  {
    id: 48, name: "websiteDownNXDOMAIN", url: "http://www.qa48.example/",
    ooni: "NXDOMAIN everywhere; consistent; false/false (down)",
    expect: down("dns_nxdomain"),
  },
  {
    id: 49, name: "websiteDownNoAddrs", url: "http://www.qa49.example/",
    ooni: "every resolver: CNAME, no A; dns_no_answer; consistent; false/false (down)",
    regionDns: { "www.qa49.example": { cnameOnly: true } }, controlDns: { "www.qa49.example": { cnameOnly: true } },
    expect: down("dns_no_answer"),
  },
];

const qa = useQaLab(CASES);

describe("OONI Web Connectivity QA: DNS", () => {
  it.each(CASES)("#$id $name", (c) => expectOoniOutcome(c, qa.observed(c)));
  it.each(CASES.filter((c) => c.cli))("keepwatch measure --json: #$id $name", (c) => expectOoniOutcome(c, qa.observedCli(c)));
});
