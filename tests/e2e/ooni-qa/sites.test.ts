// OONI Web Connectivity QA cases without a censor (ooni.md §4.2): working sites over HTTP and HTTPS, broken
// certificates (badssl.com's expired, wrong-host and untrusted-root), international names, a 32 MiB body,
// a server-side CAPTCHA, and a port nothing listens on. A site broken for everyone is "down", not blocked.
import { describe, it } from "vitest";
import { expectOoniOutcome, useQaLab } from "../fixtures/ooni-qa/run.js";
import type { QaCase } from "../fixtures/ooni-qa/world.js";

const down = (failure: string) => ({ accessible: false, blocking: null, failure, determined: true });
const accessible = { accessible: true, blocking: null, failure: null, determined: true };

const CASES: QaCase[] = [
  {
    id: 1, name: "badSSLWithExpiredCertificate", url: "https://expired.qa1.example/", needsHelper: true,
    ooni: "expired certificate (no censorship); ssl_invalid_certificate; blocking=false, accessible=false (down)",
    sites: [{ host: "expired.qa1.example", https: "expired" }],
    expect: down("tls_cert_expired"),
  },
  {
    id: 2, name: "badSSLWithWrongServerName", url: "https://wrong.host.qa2.example/", needsHelper: true,
    ooni: "certificate for another name; ssl_invalid_hostname; false/false (down)",
    sites: [{ host: "wrong.host.qa2.example", https: "wrong-host" }],
    expect: down("tls_cert_hostname"),
  },
  {
    id: 3, name: "badSSLWithUnknownAuthorityWithConsistentDNS", url: "https://untrusted-root.qa3.example/", needsHelper: true,
    ooni: "certificate from an unknown CA; ssl_unknown_authority; false/false (down)",
    sites: [{ host: "untrusted-root.qa3.example", https: "untrusted" }],
    expect: down("tls_cert_untrusted"),
  },
  {
    id: 5, name: "cloudflareCAPTCHAWithHTTP", url: "http://www.qa5.example/", needsHelper: true,
    ooni: 'CAPTCHA for the probe only; status differs, body proportion ≈0.18, title differs → "http-diff"/false',
    sites: [{ host: "www.qa5.example", captcha: true }],
    expect: { accessible: false, blocking: "http-diff", failure: "http_diff", determined: true },
  },
  {
    id: 6, name: "cloudflareCAPTCHAWithHTTPS", url: "https://www.qa6.example/",
    ooni: "same over TLS: a final HTTPS response is success → false/true",
    sites: [{ host: "www.qa6.example", captcha: true }],
    expect: accessible,
  },
  {
    id: 21, name: "idnaWithoutCensorshipLowercase", url: "http://пример.испытание/",
    ooni: "IDN host, no censorship; false/true",
    sites: [{ host: "пример.испытание" }],
    expect: accessible,
  },
  {
    id: 22, name: "idnaWithoutCensorshipWithFirstLetterUppercase", url: "http://Пример.испытание/",
    ooni: "IDN host with an upper-case first letter; false/true",
    sites: [{ host: "пример.испытание" }],
    expect: accessible,
  },
  {
    id: 23, name: "largeFileWithHTTP", url: "http://largefile.qa23.example/large",
    ooni: "32 MiB body, read up to 512 KiB; false/true",
    sites: [{ host: "largefile.qa23.example" }],
    expect: accessible,
  },
  {
    id: 24, name: "largeFileWithHTTPS", url: "https://largefile.qa24.example/large",
    ooni: "32 MiB body over TLS; false/true",
    sites: [{ host: "largefile.qa24.example" }],
    expect: accessible,
  },
  {
    id: 40, name: "successWithHTTP", url: "http://www.qa40.example/",
    ooni: "no interference; false/true",
    sites: [{ host: "www.qa40.example" }],
    expect: accessible,
  },
  {
    id: 41, name: "successWithHTTPS", url: "https://www.qa41.example/",
    ooni: "no interference; false/true",
    sites: [{ host: "www.qa41.example" }],
    expect: accessible,
  },
  {
    id: 50, name: "websiteDownTCPConnect", url: "http://www.qa50.example:444/", needsHelper: true,
    ooni: "nothing listens on the port (for the control either); connection_refused; consistent; false/false (down)",
    sites: [{ host: "www.qa50.example" }],
    expect: down("tcp_refused"),
  },
];

const qa = useQaLab(CASES);

describe("OONI Web Connectivity QA: sites without a censor", () => {
  it.each(CASES)("#$id $name", (c) => expectOoniOutcome(c, qa.observed(c)));
});
