// OONI Web Connectivity QA cases where the censor acts on the first connection with honest DNS (ooni.md
// §4.2): dropped SYNs, an RST on the TLS SNI or on the HTTP `Host:` header, an injected block page,
// throttling, and the control vantage itself unreachable. Before the cases, the lab shows its censor is what
// the cases claim: a DPI box matching the literal bytes `Host: <name>`, case-sensitively.
import { describe, expect, it } from "vitest";
import { get, rawExchange, rawTlsHandshake } from "../fixtures/ooni-qa/raw-client.js";
import { expectOoniOutcome, useQaLab } from "../fixtures/ooni-qa/run.js";
import { BLOCKPAGE_TITLE, SITE_TITLE, type QaCase } from "../fixtures/ooni-qa/world.js";

const blocked = (blocking: "tcp" | "tls" | "http-failure" | "http-diff", failure: string) =>
  ({ accessible: false, blocking, failure, determined: true });
const accessible = { accessible: true, blocking: null, failure: null, determined: true };

const CASES: QaCase[] = [
  {
    id: 7, name: "controlFailureWithSuccessfulHTTPWebsite", url: "http://www.qa7.example/", controlUnreachable: true, needsHelper: true,
    ooni: "control unreachable (RST on every TH's SNI); site fine; blocking=null, accessible=null",
    sites: [{ host: "www.qa7.example" }],
    // The page loaded, but with no control nobody can vouch that it is the site's and not a block page.
    expect: { accessible: true, blocking: null, failure: null, determined: false },
  },
  {
    id: 8, name: "controlFailureWithSuccessfulHTTPSWebsite", url: "https://www.qa8.example/", controlUnreachable: true,
    ooni: "control unreachable; HTTPS success needs no control → false/true",
    sites: [{ host: "www.qa8.example" }],
    expect: accessible,
  },
  {
    id: 18, name: "httpBlockingConnectionReset", url: "http://www.qa18.example/", needsHelper: true, cli: true,
    ooni: 'RST when "Host: www.example.com" is seen on :80; connection_reset; consistent; "http-failure"/false',
    sites: [{ host: "www.qa18.example" }],
    censor: [{ action: "reset", name: "www.qa18.example", port: 80, trigger: "host" }],
    expect: blocked("http-failure", "http_reset"),
  },
  {
    id: 19, name: "httpDiffWithConsistentDNS", url: "http://www.qa19.example/", needsHelper: true,
    ooni: 'block page injected on "Host:"; status match, body proportion ≈0.12, headers/title differ → "http-diff"/false',
    sites: [{ host: "www.qa19.example" }],
    censor: [{ action: "blockpage", name: "www.qa19.example", port: 80, trigger: "host" }],
    expect: blocked("http-diff", "http_diff"),
  },
  {
    id: 42, name: "tcpBlockingConnectTimeout", url: "https://www.qa42.example/", needsHelper: true, cli: true,
    ooni: 'every SYN to the site\'s :443 dropped; generic_timeout_error; consistent; "tcp_ip"/false',
    sites: [{ host: "www.qa42.example" }],
    censor: [{ action: "blackhole", name: "www.qa42.example", port: 443 }],
    expect: blocked("tcp", "tcp_timeout"),
  },
  {
    id: 44, name: "throttlingWithHTTP", url: "http://largefile.qa44.example/large", needsHelper: true,
    ooni: '[off in OONI: ooni/probe#2668] 32 MiB over a throttled, lossy endpoint; generic_timeout_error; "http-failure"/false',
    sites: [{ host: "largefile.qa44.example" }],
    censor: [{ action: "throttle", name: "largefile.qa44.example", port: 80, kbit: 64 }],
    expect: blocked("http-failure", "http_timeout"),
  },
  {
    id: 45, name: "throttlingWithHTTPS", url: "https://largefile.qa45.example/large", needsHelper: true,
    ooni: 'throttled, lossy after the SNI; generic_timeout_error; "http-failure"/false',
    sites: [{ host: "largefile.qa45.example" }],
    censor: [{ action: "throttle", name: "largefile.qa45.example", port: 443, trigger: "sni", kbit: 64 }],
    expect: blocked("http-failure", "http_timeout"),
  },
  {
    id: 46, name: "tlsBlockingConnectionResetWithConsistentDNS", url: "https://www.qa46.example/", needsHelper: true,
    ooni: 'RST on the SNI; connection_reset; consistent; "http-failure"/false (TLS blocking, BF=4)',
    sites: [{ host: "www.qa46.example" }],
    censor: [{ action: "reset", name: "www.qa46.example", port: 443, trigger: "sni" }],
    expect: blocked("tls", "tls_reset"),
  },
];

const qa = useQaLab(CASES);

describe("the lab's censor", () => {
  it("resets the literal bytes `Host: <name>` and lets a lower-case `host:` through, like a DPI box", async () => {
    const address = qa.lab().addressOf("www.qa18.example");
    const exact = await rawExchange(address, 80, get("www.qa18.example"));
    const lower = await rawExchange(address, 80, get("www.qa18.example", "host"));
    expect(exact.end).toBe("reset");
    expect(lower.data).toMatch(/^HTTP\/1\.1 200/);
    expect(lower.data).toContain(`<title>${SITE_TITLE}</title>`);
  });

  it("leaves the control vantage alone: the same bytes from the control namespace get the site's page", () => {
    const reply = qa.lab().getFromControl(qa.lab().addressOf("www.qa18.example"), "www.qa18.example");
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    expect(reply).toContain(`<title>${SITE_TITLE}</title>`);
    const page = qa.lab().getFromControl(qa.lab().addressOf("www.qa19.example"), "www.qa19.example");
    expect(page).toContain(`<title>${SITE_TITLE}</title>`);
  });

  it("injects its block page on `Host: <name>` and resets the SNI it watches for", async () => {
    const page = await rawExchange(qa.lab().addressOf("www.qa19.example"), 80, get("www.qa19.example"));
    expect(page.data).toContain(`<title>${BLOCKPAGE_TITLE}</title>`);
    expect(page.end).toBe("fin");
    expect(await rawTlsHandshake(qa.lab().addressOf("www.qa46.example"), "www.qa46.example")).toBe("ECONNRESET");
    expect(await rawTlsHandshake(qa.lab().addressOf("www.qa46.example"), "www.qa18.example")).toBe("ok");
  });
});

describe("OONI Web Connectivity QA: blocking on the first connection", () => {
  it.each(CASES)("#$id $name", (c) => expectOoniOutcome(c, qa.observed(c)));
  it.each(CASES.filter((c) => c.cli))("keepwatch measure --json: #$id $name", (c) => expectOoniOutcome(c, qa.observedCli(c)));
});
