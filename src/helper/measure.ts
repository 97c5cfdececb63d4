// What the test helper sees of one URL, as OONI's oohelperd (ooni.md §1.3): its own DNS answer, a TCP
// connect (and a TLS handshake with the URL's host as SNI, certificate verified, for https) to every address
// it resolved and every address the probe resolved, on the URL's port, and a GET of the URL with the probe
// library (probes/http.ts, so the same request profile as the probes) from an address it resolved itself.
// All within one budget. DNS is resolved once and the answer pinned: the GET and every redirect hop connect
// to an address checked by the SSRF policy, never to a name looked up again (no DNS rebinding).
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import type { BogonMatcher } from "../../probes/bogons.js";
import { CONTROL_PROTOCOL_VERSION, type ControlAnswer, type ControlEndpoint, type ControlHttp, type ParsedControlRequest } from "../../probes/control-types.js";
import { probeDns } from "../../probes/dns.js";
import { durationSeconds } from "../../probes/duration.js";
import { probeHttp, type HopAddress } from "../../probes/http.js";
import { connectTcp } from "../../probes/tcp.js";
import { handshakeTls } from "../../probes/tls.js";
import type { HttpResult } from "../../probes/types.js";
import { parseControlUrl, type AddressPolicy, type ControlUrl } from "./policy.js";

export interface HelperMeasureSettings {
  policy: AddressPolicy;
  /** Bogon flags in the helper's DNS answers (allowRanges excepted). */
  bogons: BogonMatcher;
  /** "system" or "ip[:port]". */
  resolver: string;
  /** Trusted CA certificates (PEM) instead of the system roots (a lab's CA). */
  ca?: string[];
  budgetSeconds: number;
  /** Body bytes read per hop. */
  maxBodyBytes: number;
  /** Addresses of its own the helper measures at most. */
  maxOwnAddresses: number;
}

const DNS_TIMEOUT_SECONDS = 4; // as oohelperd

interface Clock {
  started: number;
  budget: number;
  signal: AbortSignal;
}

const left = (c: Clock) => Math.max(0.05, c.budget - (performance.now() - c.started) / 1000);

async function measureEndpoint(address: string, source: ControlEndpoint["source"], u: ControlUrl, s: HelperMeasureSettings, clock: Clock,
  refusals: string[]): Promise<ControlEndpoint> {
  const why = s.policy.refusal(address);
  if (why !== null) {
    refusals.push(`endpoint not connected to: ${why}`);
    return { address, port: u.port, source, refused: true, tcp: null, tls: null };
  }
  const opts = { timeoutSeconds: Math.min(10, left(clock)), signal: clock.signal };
  if (!u.https) {
    const r = await connectTcp({ host: address, port: u.port }, opts);
    return { address, port: u.port, source, refused: false, tcp: { failure: r.tcp.failure, connectTime: r.tcp.connectTime }, tls: null };
  }
  const r = await handshakeTls({ host: address, port: u.port, serverName: u.host }, { ...opts, ...(s.ca ? { ca: s.ca } : {}) });
  return {
    address, port: u.port, source, refused: false,
    tcp: { failure: r.tcp.failure, connectTime: r.tcp.connectTime },
    tls: r.tcp.failure === null ? { serverName: u.host, failure: r.tls.failure } : null,
  };
}

function toControlHttp(r: HttpResult, refusedHop: boolean): ControlHttp {
  const last = r.hops[r.hops.length - 1];
  return {
    status: r.status,
    failure: refusedHop ? "refused_address" : r.failure,
    headers: last?.headers ?? {},
    headerNames: last?.headerNames ?? [],
    title: last?.title ?? null,
    bodyLength: last?.bodyLength ?? 0,
    bodySha256: last?.bodySha256 ?? null,
    bodyTruncated: last?.bodyTruncated ?? false,
    finalUrl: r.finalUrl,
    redirects: r.hops.map((h) => ({ url: h.url, status: h.status })),
  };
}

/** Measures `req` from here. The URL must already have passed parseControlUrl (it is parsed again here). */
export async function measureForControl(req: ParsedControlRequest, s: HelperMeasureSettings, outer?: AbortSignal): Promise<ControlAnswer> {
  const budget = Math.min(s.budgetSeconds, req.timeoutSeconds ?? s.budgetSeconds);
  const signal = AbortSignal.any([AbortSignal.timeout(Math.ceil(budget * 1000)), ...(outer ? [outer] : [])]);
  const clock: Clock = { started: performance.now(), budget, signal };
  const u = parseControlUrl(req.url, s.policy);
  const refusals: string[] = [];
  const dnsOptions = (timeout: number) => ({ resolver: s.resolver, bogons: s.bogons, signal, timeoutSeconds: Math.min(timeout, left(clock)) });

  const dns = u.ipHost ? null : await probeDns(u.host, dnsOptions(DNS_TIMEOUT_SECONDS));
  const own = u.ipHost ? [u.host] : dns!.addresses.slice(0, s.maxOwnAddresses);
  const probe = [...new Set(req.addresses)];
  const all = [...new Set([...own, ...probe])];
  const source = (a: string): ControlEndpoint["source"] => (own.includes(a) && probe.includes(a) ? "both" : own.includes(a) ? "helper" : "probe");
  const endpoints = Promise.all(all.map((a) => measureEndpoint(a, source(a), u, s, clock, refusals)));

  // The GET goes to the first address of our own answer we may connect to (never one the probe handed in).
  const fetchFrom = own.find((a) => s.policy.allows(a)) ?? null;
  let refusedHop = false;
  const resolveHop = async (host: string): Promise<HopAddress> => {
    const looked = isIP(host) !== 0 ? null : await probeDns(host, dnsOptions(DNS_TIMEOUT_SECONDS));
    const candidates = looked === null ? [host] : looked.addresses;
    const allowed = candidates.find((a) => s.policy.allows(a));
    if (allowed !== undefined) return { address: allowed, failure: null };
    if (candidates.length === 0) return { address: null, failure: looked?.failure ?? "dns_no_answer" };
    refusedHop = true;
    for (const a of candidates.slice(0, 4)) refusals.push(`redirect to ${host} not followed: ${s.policy.refusal(a)}`);
    return { address: null, failure: null };
  };
  const userAgent = Object.entries(req.headers ?? {}).find(([k]) => k.toLowerCase() === "user-agent")?.[1];
  const http = fetchFrom === null ? null : probeHttp({ url: u.url.href, address: fetchFrom }, {
    timeoutSeconds: left(clock),
    signal,
    ...(s.ca ? { ca: s.ca } : {}),
    maxBodyBytes: s.maxBodyBytes,
    resolve: resolveHop,
    ...(userAgent ? { userAgent } : {}),
  });
  if (fetchFrom === null && own.length > 0) refusals.push(`no GET: every address of ${u.host} is refused`);

  const [measured, fetched] = await Promise.all([endpoints, http]);
  return {
    version: CONTROL_PROTOCOL_VERSION,
    url: u.url.href,
    dns: dns === null ? null : { resolver: dns.resolver, addresses: dns.addresses, failure: dns.addresses.length > 0 ? null : dns.failure ?? "dns_no_answer" },
    endpoints: measured,
    http: fetched === null ? null : toControlHttp(fetched, refusedHop),
    refusals: [...new Set(refusals)],
    time: durationSeconds(clock.started, performance.now()),
    budgetSeconds: budget,
  };
}
