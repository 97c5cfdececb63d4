// OONI Web Connectivity QA cases where the censor acts on the first connection with honest DNS (ooni.md
// §4.2): dropped SYNs, an RST on the TLS SNI or on the HTTP `Host:` header, an injected block page,
// throttling, and the control vantage itself unreachable. Before the cases, the lab shows its censor is what
// the cases claim: a DPI box matching the literal bytes `Host: <name>`, case-sensitively.
import { describe, expect, it } from "vitest";
import { get, rawExchange, rawTlsHandshake } from "../fixtures/ooni-qa/raw-client.js";
import { accessible, blocked, onWww } from "../fixtures/ooni-qa/cases.js";
import { describeQaCases, useQaLab } from "../fixtures/ooni-qa/run.js";
import { BLOCKPAGE_TITLE, SITE_TITLE, type QaCase } from "../fixtures/ooni-qa/world.js";

/** The 32 MiB file at `largefile.qa<id>.example/large`, throttled on the way back to the region. */
const largeFile = (id: number, scheme: "http" | "https", on: { port: number; trigger?: "sni" }) => {
  const host = `largefile.qa${id}.example`;
  return { id, url: `${scheme}://${host}/large`, sites: [{ host }], censor: [{ action: "throttle" as const, name: host, ...on, kbit: 64 }] };
};

const CASES: QaCase[] = [
  {
    ...onWww(7, "http"), name: "controlFailureWithSuccessfulHTTPWebsite", controlUnreachable: true, needsHelper: true,
    ooni: "control unreachable (RST on every TH's SNI); site fine; blocking=null, accessible=null",
    // The page loaded, but with no control nobody can vouch that it is the site's and not a block page.
    expect: { accessible: true, blocking: null, failure: null, determined: false },
  },
  {
    ...onWww(8, "https"), name: "controlFailureWithSuccessfulHTTPSWebsite", controlUnreachable: true,
    ooni: "control unreachable; HTTPS success needs no control → false/true", expect: accessible,
  },
  {
    ...onWww(18, "http", (h) => ({ censor: [{ action: "reset", name: h, port: 80, trigger: "host" }] })),
    name: "httpBlockingConnectionReset", needsHelper: true, cli: true,
    ooni: 'RST when "Host: www.example.com" is seen on :80; connection_reset; consistent; "http-failure"/false',
    expect: blocked("http-failure", "http_reset"),
  },
  {
    ...onWww(19, "http", (h) => ({ censor: [{ action: "blockpage", name: h, port: 80, trigger: "host" }] })),
    name: "httpDiffWithConsistentDNS", needsHelper: true,
    ooni: 'block page injected on "Host:"; status match, body proportion ≈0.12, headers/title differ → "http-diff"/false',
    expect: blocked("http-diff", "http_diff"),
  },
  {
    ...onWww(42, "https", (h) => ({ censor: [{ action: "blackhole", name: h, port: 443 }] })),
    name: "tcpBlockingConnectTimeout", needsHelper: true, cli: true,
    ooni: 'every SYN to the site\'s :443 dropped; generic_timeout_error; consistent; "tcp_ip"/false',
    expect: blocked("tcp", "tcp_timeout"),
  },
  {
    ...largeFile(44, "http", { port: 80 }), name: "throttlingWithHTTP", needsHelper: true,
    ooni: '[off in OONI: ooni/probe#2668] 32 MiB over a throttled, lossy endpoint; generic_timeout_error; "http-failure"/false',
    expect: blocked("http-failure", "http_timeout"),
  },
  {
    ...largeFile(45, "https", { port: 443, trigger: "sni" }), name: "throttlingWithHTTPS", needsHelper: true,
    ooni: 'throttled, lossy after the SNI; generic_timeout_error; "http-failure"/false',
    expect: blocked("http-failure", "http_timeout"),
  },
  {
    ...onWww(46, "https", (h) => ({ censor: [{ action: "reset", name: h, port: 443, trigger: "sni" }] })),
    name: "tlsBlockingConnectionResetWithConsistentDNS", needsHelper: true,
    ooni: 'RST on the SNI; connection_reset; consistent; "http-failure"/false (TLS blocking, BF=4)',
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

describeQaCases("OONI Web Connectivity QA: blocking on the first connection", qa, CASES);
