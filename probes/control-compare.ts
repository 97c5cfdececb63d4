// OONI Web Connectivity's consistency rules against a live control (a KeepWatch test helper's answer), and the
// verdict they lead to (ooni.md §1.4–1.5; probe-cli internal/webconnectivitylte analysisclassic.go,
// internal/minipipeline dnsdiff.go, httpdiff.go). Rules:
//   DNS   consistent: the host is an IP; both sides resolved nothing; a common address; or every address only
//         we resolved is vouched for by our own TLS handshake with the URL's SNI. Inconsistent: we failed
//         where the helper resolved (ghost DNS included: we answered, it did not), or an address of ours
//         nobody vouches for. No ASN database here: the ASN rule is skipped.
//   TCP   per endpoint: our failure where the helper connected is blocking; both failing is the site down.
//   HTTP  (cleartext final responses only) status match (different and the helper's 2xx = mismatch,
//         different otherwise = unknown), body length proportion > 0.7, every title word of ≥ 5 characters in
//         both titles, the same header names or a shared uncommon one (hop-by-hop names left out). No diff iff the status matches and one of the others does.
// Decision, last layer first: a final response (https → accessible; cleartext → diff or not, and a page the
// same as the helper's is accessible even through an address DNS did not agree on); an HTTP, TLS or
// TCP failure (the helper failing too → down; else blocking at that layer); a DNS failure (helper failing too
// → down; else dns). Whenever DNS is inconsistent, a failure is `dns`.
import { isIP } from "node:net";
import { compareWithControl } from "./dns-compare.js";
import { roundSeconds } from "./duration.js";
import type { ControlAnswer, ControlEndpoint, ControlSummary, HelperAnswer } from "./control-types.js";
import type { Blocking, CheckLayers, DnsResult, HttpHop, Verdict } from "./types.js";

/** OONI's "common" header names (httpdiff.go): a match on these says nothing about who answered. */
export const COMMON_HEADERS: ReadonlySet<string> = new Set([
  "date", "content-type", "server", "cache-control", "vary", "set-cookie", "location", "expires", "x-powered-by",
  "content-encoding", "last-modified", "accept-ranges", "pragma", "x-frame-options", "etag",
  "x-content-type-options", "age", "via", "p3p", "x-xss-protection", "content-language", "cf-ray",
  "strict-transport-security", "link", "x-varnish",
]);

/**
 * Hop-by-hop headers describe the connection, not who answered (RFC 9110 §7.6.1); Go's client, which OONI's
 * numbers come from, already drops transfer-encoding, and undici keeps them all. Content-length is framing
 * too (a server sends it or transfer-encoding, the body's size is compared on its own): any injected block
 * page carries one, so a shared content-length would vouch for every block page. Not counted as uncommon.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "trailer", "upgrade", "content-length"]);

export const BODY_PROPORTION_THRESHOLD = 0.7;

export type DnsConsistency = "consistent" | "inconsistent" | null;

export interface HttpComparison {
  statusCodeMatch: boolean | null;
  bodyLengthMatch: boolean | null;
  headersMatch: boolean | null;
  titleMatch: boolean | null;
}

const endpointKey = (address: string, port: number) => (isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`);

function canonical(address: string): string {
  return isIP(address) === 6 ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address;
}

/** DNS consistency of our first answer with the helper's (null when there is nothing to compare). */
export function dnsConsistency(l: CheckLayers, answer: ControlAnswer): DnsConsistency {
  const ours = l.dns[0];
  if (!ours || !answer.dns) return null; // an IP URL: nothing was resolved
  const theirs: DnsResult = { ...ours, addresses: answer.dns.addresses, bogons: [], failure: answer.dns.failure as DnsResult["failure"] };
  const cmp = compareWithControl(ours, theirs);
  if (cmp.consistent) return "consistent";
  if (cmp.reason === "probe_failed" || cmp.reason === "control_failed") return "inconsistent";
  // No common address: each address only we resolved must be vouched for by a valid certificate for the name,
  // from our own handshake. Not the helper's on our address: an ISP's transparent proxy forwards the helper's
  // handshake to the real site too, yet it is the censor's box on our path (OONI QA #47: inconsistent).
  const vouched = new Set<string>();
  for (const t of l.tls) if (t.failure === null) vouched.add(canonical(t.address));
  return cmp.probeOnly.every((a) => vouched.has(a)) ? "consistent" : "inconsistent";
}

const words = (title: string | null) => new Set((title ?? "").toLowerCase().split(/\s+/).filter((w) => w.length >= 5));

/** OONI's HTTP comparison of our final response with the helper's. */
export function compareHttp(ours: HttpHop, control: NonNullable<ControlAnswer["http"]>): HttpComparison {
  const statusCodeMatch = ours.status === control.status ? true
    : control.status !== null && control.status >= 200 && control.status < 300 ? false : null;
  const bodyLengthMatch = ours.bodyLength > 0 && control.bodyLength > 0 && !ours.bodyTruncated
    ? Math.min(ours.bodyLength / control.bodyLength, control.bodyLength / ours.bodyLength) > BODY_PROPORTION_THRESHOLD
    : null;
  const a = words(ours.title);
  const b = words(control.title);
  const titleMatch = a.size === 0 || b.size === 0 || ours.bodyTruncated ? null : [...a].every((w) => b.has(w)) && [...b].every((w) => a.has(w));
  const named = (names: readonly string[]) => new Set(names.map((n) => n.toLowerCase()).filter((n) => !HOP_BY_HOP_HEADERS.has(n)));
  const ourNames = named(ours.headerNames ?? Object.keys(ours.headers));
  const theirNames = named(control.headerNames);
  // As OONI: the same set of names is a match; else a shared uncommon name.
  const sameSet = ourNames.size === theirNames.size && [...ourNames].every((n) => theirNames.has(n));
  const headersMatch = ourNames.size === 0 || theirNames.size === 0 ? null
    : sameSet || [...ourNames].some((n) => !COMMON_HEADERS.has(n) && theirNames.has(n));
  return { statusCodeMatch, bodyLengthMatch, headersMatch, titleMatch };
}

export function isHttpDiff(c: HttpComparison): boolean {
  return !(c.statusCodeMatch === true && (c.bodyLengthMatch === true || c.headersMatch === true || c.titleMatch === true));
}

/** How the helper fared on the endpoints we failed on: any connected, all failed, or no data. */
function helperOn(failed: { address: string; port: number }[], answer: ControlAnswer, layer: "tcp" | "tls"): "ok" | "failed" | "unknown" {
  const byKey = new Map(answer.endpoints.map((e) => [endpointKey(canonical(e.address), e.port), e]));
  const seen = failed.map((f) => byKey.get(endpointKey(canonical(f.address), f.port))).filter((e): e is ControlEndpoint => e !== undefined && !e.refused);
  if (seen.some((e) => (layer === "tcp" ? e.tcp?.failure === null : e.tls?.failure === null))) return "ok";
  // The helper's own addresses count too: the site works from abroad even if our addresses were never asked about.
  const own = answer.endpoints.filter((e) => !e.refused && e.source !== "probe");
  if (own.some((e) => (layer === "tcp" ? e.tcp?.failure === null : e.tls?.failure === null))) return "ok";
  return seen.length > 0 || own.length > 0 ? "failed" : "unknown";
}

const helperHttpOk = (a: ControlAnswer) => a.http !== null && a.http.failure === null && a.http.status !== null;

/** The blocking layer a failure name belongs to (dns_*, tcp_*, tls_*; anything else is the HTTP exchange's). */
export function failureLayer(failure: string): Exclude<Blocking, null> {
  if (failure.startsWith("dns_")) return "dns";
  if (failure.startsWith("tcp_")) return "tcp";
  if (failure.startsWith("tls_")) return "tls";
  return "http-failure";
}

function verdict(accessible: boolean, blocking: Blocking, failure: string | null, determined: boolean): Verdict {
  return { accessible, blocking, failure, determined };
}

export interface HelperDecision {
  verdict: Verdict;
  summary: ControlSummary;
}

/** The verdict of a site check with a helper's answer as control, and the summary kept in the Measurement. */
export function decideWithHelper(l: CheckLayers, { helper, answer }: HelperAnswer): HelperDecision {
  const dns = dnsConsistency(l, answer);
  const lied = dns === "inconsistent";
  const http = l.http;
  const final = http?.hops[http.hops.length - 1];
  const cmp: HttpComparison = final && answer.http && !l.https && http?.failure === null && final.status !== null
    ? compareHttp(final, answer.http)
    : { statusCodeMatch: null, bodyLengthMatch: null, headersMatch: null, titleMatch: null };
  const decide = (): Verdict => {
    if (l.dnsBlockPage !== null) return verdict(false, "dns", `dns_blockpage:${l.dnsBlockPage}`, true);
    if (http?.blockPage) return lied ? verdict(false, "dns", "dns_blockpage", true) : verdict(false, "http-diff", `http_blockpage:${http.blockPage.id}`, true);
    // Any failure below becomes `dns` when DNS is inconsistent (OONI's setBlockingString/setWebsiteDown).
    const failed = (layer: Exclude<Blocking, null>, failure: string, helperState: "ok" | "failed" | "unknown"): Verdict => {
      if (lied) return verdict(false, "dns", failure, true);
      if (helperState === "failed") return verdict(false, null, failure, true);
      return verdict(false, layer, failure, helperState === "ok");
    };
    if (http && http.failure === null && final && final.status !== null) {
      if (l.https) return lied ? verdict(false, "dns", "dns_inconsistent", true) : verdict(true, null, null, true); // a valid certificate vouches for the page (OONI)
      // Cleartext: the page the helper got is the judge. The same page through an address the control did not
      // give (a pass-through proxy, OONI QA #14) is the site's: accessible, as OONI's classic analysis says.
      if (!helperHttpOk(answer)) return lied ? verdict(false, "dns", "dns_inconsistent", true) : verdict(true, null, null, false);
      if (!isHttpDiff(cmp)) return verdict(true, null, null, true);
      return lied ? verdict(false, "dns", "dns_inconsistent", true) : verdict(false, "http-diff", "http_diff", true);
    }
    if (http && http.failure !== null) {
      // A failure keeps the layer it happened in, whichever hop it was: a redirect hop's host that did not
      // resolve is DNS's, a refused hop TCP's, a reset handshake TLS's (the helper followed the same chain).
      const layer = failureLayer(http.failure);
      return failed(layer, http.failure, answer.http === null ? "unknown" : helperHttpOk(answer) ? "ok" : "failed");
    }
    const connected = l.tcp.filter((t) => t.failure === null);
    if (l.https && connected.length > 0 && !l.tls.some((t) => t.failure === null)) {
      const tlsFailed = l.tls.filter((t) => t.failure !== null);
      return failed("tls", tlsFailed[0]?.failure ?? "tls_error", helperOn(tlsFailed, answer, "tls"));
    }
    if (l.tcp.length > 0 && connected.length === 0) {
      return failed("tcp", l.tcp[0]?.failure ?? "tcp_error", helperOn(l.tcp, answer, "tcp"));
    }
    // DNS gave us nothing to connect to.
    const failure = l.dns[0]?.failure ?? "dns_no_answer";
    if (answer.dns && answer.dns.addresses.length === 0) return verdict(false, null, failure, true); // nobody resolves it
    // The helper got the same answer, one we do not connect to (loopback: a misconfigured site, QA #25/#26): down.
    if (dns === "consistent") return verdict(false, null, failure, true);
    return verdict(false, "dns", failure, answer.dns !== null);
  };
  return { verdict: decide(), summary: summarize(helper, answer, dns, cmp) };
}

function summarize(helper: string, answer: ControlAnswer, dns: DnsConsistency, cmp: HttpComparison): ControlSummary {
  const tcp: Record<string, string> = {};
  const tls: Record<string, string> = {};
  for (const e of answer.endpoints) {
    const key = endpointKey(e.address, e.port);
    tcp[key] = e.refused ? "refused" : e.tcp?.failure ?? "ok";
    if (e.tls) tls[key] = e.tls.failure ?? "ok";
  }
  const h = answer.http;
  return {
    helper,
    dns: answer.dns ? { addresses: answer.dns.addresses, failure: answer.dns.failure } : null,
    tcp,
    tls,
    http: h ? { status: h.status, failure: h.failure, bodyLength: h.bodyLength, title: h.title, finalUrl: h.finalUrl } : null,
    consistency: { dns, ...cmp },
    time: roundSeconds(answer.time), // a helper of an older release sends it unrounded
  };
}
