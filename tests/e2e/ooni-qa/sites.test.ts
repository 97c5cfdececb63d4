// OONI Web Connectivity QA cases without a censor (ooni.md §4.2): working sites over HTTP and HTTPS, broken
// certificates (badssl.com's expired, wrong-host and untrusted-root), international names, a 32 MiB body,
// a server-side CAPTCHA, and a port nothing listens on. A site broken for everyone is "down", not blocked.
import { accessible, blocked, down, onWww } from "../fixtures/ooni-qa/cases.js";
import { describeQaCases, useQaLab } from "../fixtures/ooni-qa/run.js";
import type { QaCase } from "../fixtures/ooni-qa/world.js";

/** badssl.com's variant `<flavour>` as `https://<name>.qa<id>.example/`. */
const badSsl = (id: number, name: string, https: "expired" | "wrong-host" | "untrusted") => {
  const host = `${name}.qa${id}.example`;
  return { id, url: `https://${host}/`, sites: [{ host, https }] };
};
/** An IANA test IDN site, under the spelling of its URL. */
const idn = (id: number, urlHost: string) => ({ id, url: `http://${urlHost}/`, sites: [{ host: "пример.испытание" }] });
/** The 32 MiB file at `largefile.qa<id>.example/large`. */
const largeFile = (id: number, scheme: "http" | "https") => {
  const host = `largefile.qa${id}.example`;
  return { id, url: `${scheme}://${host}/large`, sites: [{ host }] };
};
const captcha = (host: string) => ({ sites: [{ host, captcha: true }] });

const CASES: QaCase[] = [
  {
    ...badSsl(1, "expired", "expired"), name: "badSSLWithExpiredCertificate", needsHelper: true,
    ooni: "expired certificate (no censorship); ssl_invalid_certificate; blocking=false, accessible=false (down)",
    expect: down("tls_cert_expired"),
  },
  {
    ...badSsl(2, "wrong.host", "wrong-host"), name: "badSSLWithWrongServerName", needsHelper: true,
    ooni: "certificate for another name; ssl_invalid_hostname; false/false (down)",
    expect: down("tls_cert_hostname"),
  },
  {
    ...badSsl(3, "untrusted-root", "untrusted"), name: "badSSLWithUnknownAuthorityWithConsistentDNS", needsHelper: true,
    ooni: "certificate from an unknown CA; ssl_unknown_authority; false/false (down)",
    expect: down("tls_cert_untrusted"),
  },
  {
    ...onWww(5, "http", captcha), name: "cloudflareCAPTCHAWithHTTP", needsHelper: true,
    ooni: 'CAPTCHA for the probe only; status differs, body proportion ≈0.18, title differs → "http-diff"/false',
    expect: blocked("http-diff", "http_diff"),
  },
  {
    ...onWww(6, "https", captcha), name: "cloudflareCAPTCHAWithHTTPS",
    ooni: "same over TLS: a final HTTPS response is success → false/true",
    expect: accessible,
  },
  {
    ...idn(21, "пример.испытание"), name: "idnaWithoutCensorshipLowercase",
    ooni: "IDN host, no censorship; false/true", expect: accessible,
  },
  {
    ...idn(22, "Пример.испытание"), name: "idnaWithoutCensorshipWithFirstLetterUppercase",
    ooni: "IDN host with an upper-case first letter; false/true", expect: accessible,
  },
  {
    ...largeFile(23, "http"), name: "largeFileWithHTTP",
    ooni: "32 MiB body, read up to 512 KiB; false/true", expect: accessible,
  },
  {
    ...largeFile(24, "https"), name: "largeFileWithHTTPS",
    ooni: "32 MiB body over TLS; false/true", expect: accessible,
  },
  { ...onWww(40, "http"), name: "successWithHTTP", ooni: "no interference; false/true", expect: accessible },
  { ...onWww(41, "https"), name: "successWithHTTPS", ooni: "no interference; false/true", expect: accessible },
  {
    // Port 444: nothing listens there, for the control either.
    ...onWww(50, "http", (host) => ({ url: `http://${host}:444/` })), name: "websiteDownTCPConnect", needsHelper: true,
    ooni: "nothing listens on the port (for the control either); connection_refused; consistent; false/false (down)",
    expect: down("tcp_refused"),
  },
];

const qa = useQaLab(CASES);

describeQaCases("OONI Web Connectivity QA: sites without a censor", qa, CASES);
