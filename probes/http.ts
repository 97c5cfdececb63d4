// HTTP GET of one URL, pinned to an address the caller resolved, following redirects by hand so that every
// redirect hop is measured on its own: its host resolved (through the caller's resolver), a fresh TCP
// connection and TLS handshake made and classified exactly as the tcp and tls probers do, then the GET. A
// failure therefore has the same name on any hop (a refused hop is tcp_refused, an SNI reset tls_reset, an
// NXDOMAIN-ed redirect target dns_nxdomain). The first hop can instead reuse a connection the caller already
// opened and measured (web.ts: one connection per address). The request is the browser profile's, byte for
// byte (http-exchange.ts). One deadline, `timeoutSeconds` from the start, bounds all hops together. Network
// failures are results, never exceptions. Bodies are decoded, read up to a cap (512 KiB, as OONI) and
// fingerprinted for block pages.
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import type { CompiledFingerprint } from "./blockpage.js";
import { DEFAULT_BROWSER_PROFILE, type BrowserProfile } from "./browser-profile.js";
import { startDeadline } from "./deadline.js";
import { roundSeconds } from "./duration.js";
import { urlPort } from "./http-connect.js";
import { emptyHop, fetchHop, type FetchContext } from "./http-hop.js";
import type { HeldConnection } from "./tcp.js";
import type { CaOption } from "./tls-context.js";
import type { BlockPageMatch, DnsFailure, FetchFailure, HttpHop, HttpResult, ProbeOptions, Prober } from "./types.js";

export { KEPT_HEADERS } from "./http-hop.js";

export interface HttpTarget {
  /** http:// or https:// URL; IDN hosts are sent punycoded (Host and SNI). */
  url: string;
  /** The address our caller resolved for the URL's host: we connect there and nowhere else. */
  address: string;
}

/** A redirect target's address as the caller's resolver found it, or why there is none. */
export interface HopAddress {
  address: string | null;
  /** The DNS failure when `address` is null (dns_nxdomain, dns_timeout, …). */
  failure: DnsFailure | null;
}

export interface HttpOptions extends ProbeOptions {
  /**
   * Address for a redirect to another host, asked for IP-literal hosts too (so a caller may refuse one: the
   * test helper's SSRF policy). Without it a literal is used as is and a name ends the check: the last hop has
   * `address: null` and failure `http_error`. A plain null answer is a `dns_error`; a HopAddress names it.
   */
  resolve?: (host: string) => Promise<string | null | HopAddress>;
  /** Extra trusted CA certificates (PEM) for https. */
  ca?: CaOption;
  /** Redirects followed at most; 10 by default (as OONI). */
  maxRedirects?: number;
  /** Decoded body bytes read per hop; 512 KiB by default. */
  maxBodyBytes?: number;
  /** Replaces the profile's User-Agent (and nothing else). */
  userAgent?: string;
  /** The browser whose requests we send; Chrome (probes/profiles/chrome.ts) by default. */
  profile?: BrowserProfile;
  /** Block-page fingerprints checked on every hop (see blockpage.ts loadFingerprints). */
  fingerprints?: readonly CompiledFingerprint[];
  /**
   * An open connection to `target.address` on the URL's port (TLS for https, handshake done and certificate
   * checked by the caller) for the first hop; probeHttp owns it from here and closes it. The hop's connect and
   * tls phases are then that connection's own, and its total adds them to the exchange.
   */
  connection?: HeldConnection;
}

export const DEFAULT_MAX_BODY_BYTES = 512 * 1024;
export const DEFAULT_MAX_REDIRECTS = 10;
/** The profile's User-Agent: a regular desktop Chrome, as OONI uses a browser's (filters target people). */
export const DEFAULT_USER_AGENT = DEFAULT_BROWSER_PROFILE.http1.cleartext.find(([n]) => n === "User-Agent")?.[1] ?? "";

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const sameHost = (a: URL, b: URL) => a.hostname === b.hostname;

/**
 * The address for a redirect to another host: the caller's resolver, asked for IP literals too (the test
 * helper refuses some); without a resolver an IP literal as is.
 */
async function addressFor(url: URL, options: HttpOptions): Promise<HopAddress> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!options.resolve) return { address: isIP(host) !== 0 ? host : null, failure: null };
  const answer = await options.resolve(host).catch(() => null);
  if (typeof answer === "string") return { address: answer, failure: null };
  if (answer === null) return { address: null, failure: "dns_error" };
  return answer.address === null ? { address: null, failure: answer.failure ?? "dns_error" } : answer;
}

/** A handed-in connection must go where the first hop would connect: anything else is a caller's bug. */
function checkHeldConnection(url: URL, address: string, held: HeldConnection | undefined): void {
  if (!held || held.socket.destroyed) return;
  const to = `${held.socket.remoteAddress}:${held.socket.remotePort}`;
  if (held.socket.remoteAddress !== address.replace(/^\[|\]$/g, "") || held.socket.remotePort !== urlPort(url)) {
    held.socket.destroy();
    throw new TypeError(`probeHttp: the connection given goes to ${to}, not to ${address}:${urlPort(url)}`);
  }
}

/**
 * GET `target.url` from `target.address`, following up to `maxRedirects` redirects, all within
 * `timeoutSeconds`. A redirect loop or too many redirects ends with `http_too_many_redirects`. Rejects only
 * for bad arguments (an unparsable URL or a scheme other than http/https).
 */
export const probeHttp: Prober<HttpTarget, HttpOptions, HttpResult> = async (target, options) => {
  let url = new URL(target.url);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`probeHttp: unsupported scheme ${url.protocol}`);
  checkHeldConnection(url, target.address, options.connection);
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const start = performance.now();
  const limit = startDeadline(options.timeoutSeconds, options.signal);
  const ctx: FetchContext = {
    profile: options.profile ?? DEFAULT_BROWSER_PROFILE, userAgent: options.userAgent, ca: options.ca, fingerprints: options.fingerprints,
    maxBody: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, signal: limit.signal, remaining: limit.remaining,
    localAddress: options.localAddress,
  };
  const hops: HttpHop[] = [];
  const visited = new Set<string>();
  let next: HopAddress = { address: target.address, failure: null };
  let blockPage: BlockPageMatch | null = null;
  let failure: FetchFailure | null = null;
  let connection = options.connection; // first hop only
  let setup = 0; // handshake time of a reused connection, which ran before this call

  try {
    for (;;) {
      visited.add(url.href);
      if (next.address === null) {
        // No resolver at all is our limit, not the network's: http_error. A resolver's failure is DNS's.
        failure = ctx.signal.aborted ? "dns_timeout" : next.failure ?? "http_error";
        hops.push(emptyHop(url, null, failure, 0));
        break;
      }
      const { hop, location, blockPage: match, setup: hopSetup } = await fetchHop(url, next.address, ctx, connection);
      setup += hopSetup;
      connection = undefined;
      hops.push(hop);
      blockPage ??= match;
      if (hop.failure !== null) {
        failure = hop.failure;
        break;
      }
      if (hop.status === null || !REDIRECT_STATUSES.has(hop.status) || location === null) break;
      let nextUrl: URL;
      try {
        nextUrl = new URL(location, url);
      } catch {
        failure = "http_error"; // a Location no browser could follow
        break;
      }
      if (nextUrl.protocol !== "http:" && nextUrl.protocol !== "https:") {
        failure = "http_error";
        break;
      }
      if (visited.has(nextUrl.href) || hops.length > maxRedirects) {
        failure = "http_too_many_redirects";
        break;
      }
      if (!sameHost(url, nextUrl)) next = await addressFor(nextUrl, options);
      url = nextUrl;
    }
  } finally {
    limit.done();
    if (connection && !connection.socket.destroyed) connection.socket.destroy(); // never taken
  }
  const last = hops[hops.length - 1];
  return {
    url: target.url,
    finalUrl: last?.url ?? url.href,
    hops,
    status: last?.status ?? null,
    failure,
    blockPage,
    time: roundSeconds((performance.now() - start) / 1000 + setup),
  };
};
