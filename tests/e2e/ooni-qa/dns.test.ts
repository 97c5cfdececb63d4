// OONI Web Connectivity QA cases about DNS (ooni.md §4.2): lies from the region's resolver (NXDOMAIN, a
// bogon, loopback, a block-page server, the ISP's transparent proxy), ghost DNS, and sites whose DNS is
// broken for everyone. Expected outcomes are OONI's, mapped to KeepWatch's verdict (README, "OONI QA cases").
import { accessible, blocked, down, onWww, regionSays, type Arrangement } from "../fixtures/ooni-qa/cases.js";
import { describeQaCases, useQaLab } from "../fixtures/ooni-qa/run.js";
import type { DnsAnswer, QaCase } from "../fixtures/ooni-qa/world.js";

const dnsLie = (failure: string) => blocked("dns", failure);
/** Every resolver, the control's too, gives `answer`; no site is served under the name. */
const everyoneSays = (answer: DnsAnswer) => (host: string): Arrangement =>
  ({ sites: [], regionDns: { [host]: answer }, controlDns: { [host]: answer } });

const CASES: QaCase[] = [
  {
    ...onWww(4, "https", (h) => ({
      sites: [{ host: h }, { host: "mitm.qa4.example", http: false, https: "untrusted" }], ...regionSays({ site: "mitm.qa4.example" })(h) })),
    name: "badSSLWithUnknownAuthorityWithInconsistentDNS", ooni: 'dns inconsistent; ssl_unknown_authority; "dns"/false',
    expect: dnsLie("tls_cert_untrusted"),
  },
  {
    ...onWww(10, "https", regionSays({ bogon: true })), name: "dnsBlockingBOGON",
    ooni: 'generic_timeout_error (connect to bogon); inconsistent; "dns"/false', expect: dnsLie("tcp_timeout"),
  },
  {
    ...onWww(11, "https", regionSays({ rcode: "NXDOMAIN" })), name: "dnsBlockingNXDOMAIN",
    ooni: 'dns_nxdomain_error; inconsistent; "dns"/false', expect: dnsLie("dns_nxdomain"),
  },
  {
    ...onWww(12, "http", regionSays({ loopback: true })), name: "dnsHijackingToLocalhostWithHTTP",
    ooni: 'inconsistent (never connects to loopback); "dns"/false', expect: dnsLie("dns_bogon"),
  },
  {
    ...onWww(13, "https", regionSays({ loopback: true })), name: "dnsHijackingToLocalhostWithHTTPS",
    ooni: 'inconsistent (never connects to loopback); "dns"/false', expect: dnsLie("dns_bogon"),
  },
  {
    ...onWww(14, "http", regionSays({ proxy: true })), name: "dnsHijackingToProxyWithHTTPURL",
    ooni: "inconsistent, but a TLS handshake with the name validates the proxy's address and the page is identical → false/true (OONI: debatable)",
    expect: accessible,
  },
  {
    ...onWww(15, "https", regionSays({ proxy: true })), name: "dnsHijackingToProxyWithHTTPSURL",
    ooni: "inconsistent, validated by TLS → false/true", expect: accessible,
  },
  {
    ...onWww(16, "http", (h) => ({
      sites: [{ host: "blockpage.qa16.example", page: "blockpage", https: false }], ...regionSays({ site: "blockpage.qa16.example" })(h) })),
    name: "ghostDNSBlockingWithHTTP", cli: true,
    ooni: 'control NXDOMAIN, region → block-page server; inconsistent; "dns"/false', expect: dnsLie("dns_inconsistent"),
  },
  {
    ...onWww(17, "https", (h) => ({
      sites: [{ host: "blockpage.qa17.example", page: "blockpage", https: false }], ...regionSays({ site: "blockpage.qa17.example" })(h) })),
    name: "ghostDNSBlockingWithHTTPS",
    ooni: 'connection_refused (block-page server has no :443); inconsistent; "dns"/false', expect: dnsLie("tcp_refused"),
  },
  {
    ...onWww(20, "http", (h) => ({
      ...regionSays({ proxy: true })(h),
      censor: [
        { action: "blockpage", name: h, port: 80, trigger: "host" },
        { action: "blockpage", name: h, port: 80, trigger: "host", at: "proxy" },
      ],
    })),
    name: "httpDiffWithInconsistentDNS",
    ooni: 'DNS → ISP proxy, block page injected on both addresses; inconsistent → "dns"/false', expect: dnsLie("dns_inconsistent"),
  },
  {
    ...onWww(25, "http", everyoneSays({ loopback: true })), name: "localhostWithHTTP", cli: true,
    ooni: "every resolver (control too) answers 127.0.0.1; consistent; false/false (down)", expect: down("dns_bogon"),
  },
  {
    ...onWww(26, "https", everyoneSays({ loopback: true })), name: "localhostWithHTTPS",
    ooni: "every resolver answers 127.0.0.1; consistent; false/false (down)", expect: down("dns_bogon"),
  },
  {
    ...onWww(43, "http", (h) => ({
      sites: [{ host: h }, { host: "blockpage.qa43.example", http: false, https: false }], ...regionSays({ site: "blockpage.qa43.example" })(h) })),
    name: "tcpBlockingConnectionRefusedWithInconsistentDNS",
    ooni: 'DNS → block-page address whose port is closed; connection_refused; inconsistent; "dns"/false', expect: dnsLie("tcp_refused"),
  },
  {
    ...onWww(47, "https", (h) => ({
      ...regionSays({ proxy: true })(h),
      censor: [
        { action: "reset", name: h, port: 443, trigger: "sni" },
        { action: "reset", name: h, port: 443, trigger: "sni", at: "proxy" },
      ],
    })),
    name: "tlsBlockingConnectionResetWithInconsistentDNS",
    ooni: 'DNS → ISP proxy + RST on SNI; connection_reset; inconsistent; "dns"/false', expect: dnsLie("tls_reset"),
  },
  {
    ...onWww(48, "http", () => ({ sites: [] })), name: "websiteDownNXDOMAIN",
    ooni: "NXDOMAIN everywhere; consistent; false/false (down)", expect: down("dns_nxdomain"),
  },
  {
    ...onWww(49, "http", everyoneSays({ cnameOnly: true })), name: "websiteDownNoAddrs",
    ooni: "every resolver: CNAME, no A; dns_no_answer; consistent; false/false (down)", expect: down("dns_no_answer"),
  },
];

const qa = useQaLab(CASES);

describeQaCases("OONI Web Connectivity QA: DNS", qa, CASES);
