// One site check: DNS (the region's resolver, and a control resolver when given), TCP and TLS to every
// resolved address, then an HTTP GET pinned to an address that connected, composed into a verdict with
// OONI Web Connectivity's rules (ooni.md §1.4–1.5), walking from the last layer back to DNS.
//
// As OONI's LTE (ooni.md §1.2) there is one connection per address: its TCP connect and TLS handshake are
// the tcp and tls results, and the first hop of the GET runs over the connection of the address chosen to
// fetch; the others are closed once their handshake is measured. Redirect hops use fresh connections.
//
// What "control" can prove here: a control resolver proves DNS lies; a control observation (what the
// control vantage saw of the same URL, when the caller has one) proves a site is down for everyone or that
// a cleartext page differs. Without a control observation a TCP/TLS/HTTP failure keeps its layer as
// `blocking` but `determined: false`: the detector then compares with the control vantage before anyone
// calls it blocking.
//
// One deadline, `timeoutSeconds` from the start, bounds the whole check: DNS, connections, the GET and every
// redirect hop share it. A redirect hop's host is resolved like the first (web-dns.ts), so a hop failure has
// the same name and layer as on the first connection.
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import { detectBlockPage, type CompiledFingerprint } from "./blockpage.js";
import { defaultBogons, type BogonMatcher } from "./bogons.js";
import { decideWithHelper, failureLayer } from "./control-compare.js";
import type { ControlHelper } from "./control-types.js";
import { startDeadline } from "./deadline.js";
import { durationSeconds } from "./duration.js";
import { compareWithControl, probeDns } from "./dns.js";
import { probeHttp } from "./http.js";
import { toAsciiHostname } from "./idn.js";
import { connectTcp, type HeldConnection } from "./tcp.js";
import { handshakeTls } from "./tls.js";
import type { Blocking, CheckLayers, DnsResult, HttpResult, ProbeOptions, Prober, TcpResult, TlsResult, Verdict, WebCheck } from "./types.js";
import { connectable, controlSaysNoSuchName, hopDnsVerdict, hopResolver, type HopDns } from "./web-dns.js";

/** What the control vantage saw of the same URL (e.g. its latest measurement), used as OONI uses its TH. */
export interface ControlObservation {
  /** Did any connection from the control succeed? */
  reachable: boolean;
  /** Final HTTP response at the control, if one arrived. */
  http: { status: number; bodyLength: number; title: string | null } | null;
}

export interface WebCheckOptions extends ProbeOptions {
  /** "system" (default) or "ip[:port]". */
  resolver?: string;
  /** Trusted resolver whose answers ours are compared with. */
  controlResolver?: string;
  control?: ControlObservation;
  /**
   * Test helpers to ask what they see of the same URL (control-client.ts). Asked with our resolved addresses
   * right after DNS, in parallel with the rest of the check and within its one deadline; their answer, when
   * one comes in time, decides with OONI's full rules (control-compare.ts).
   */
  helper?: ControlHelper;
  /** Extra trusted CA certificates (PEM) for TLS and HTTPS. */
  ca?: string[];
  bogons?: BogonMatcher;
  fingerprints?: readonly CompiledFingerprint[];
  /** Addresses measured per family at most (OONI measures all; a cap keeps a check bounded). */
  maxAddressesPerFamily?: number;
}

const DEFAULT_PORTS: Record<string, number> = { "http:": 80, "https:": 443 };

/** Picks addresses to measure: up to `perFamily` of each family, IPv4 first, so IPv6 is measured when present. */
function pickAddresses(addresses: string[], perFamily: number): string[] {
  const v4 = addresses.filter((a) => isIP(a) === 4).slice(0, perFamily);
  const v6 = addresses.filter((a) => isIP(a) === 6).slice(0, perFamily);
  return [...v4, ...v6];
}

interface Layers extends CheckLayers {
  /** Redirect hops' hosts as resolved (in order); the last one is the hop whose DNS failed, if one did. */
  hopDns?: HopDns[];
}

/** True when our DNS answer disagrees with the control's and no TLS handshake vouches for our addresses. */
function dnsInconsistent(l: Layers): boolean {
  const ours = l.dns[0];
  if (!ours) return false;
  if (!l.controlDns) {
    // No control: a bogon answer is the one lie we can see alone, unless a valid certificate vouches for it.
    return ours.failure === "dns_bogon" && !l.tls.some((t) => t.failure === null);
  }
  const cmp = compareWithControl(ours, l.controlDns);
  if (cmp.consistent) return false;
  if (cmp.reason === "no_common_address") {
    // A CDN may hand out other addresses to other resolvers: a valid certificate for the name proves ours.
    const validated = l.tls.some((t) => t.failure === null && cmp.probeOnly.includes(t.address));
    if (validated) return false;
  }
  if (cmp.reason === "control_failed") {
    // Ghost DNS (OONI QA ghostDNSBlocking*): the name is gone for the control, yet our resolver has an address
    // for it (a censor's block-page server). Only a valid certificate for the name speaks for our answer.
    // A control that merely failed (timeout, SERVFAIL) is no evidence against us.
    return controlSaysNoSuchName(l.controlDns) && !l.tls.some((t) => t.failure === null);
  }
  return true;
}

function verdict(accessible: boolean, blocking: Blocking, failure: string | null, determined: boolean): Verdict {
  return { accessible, blocking, failure, determined };
}

/** The verdict, walking from HTTP back to DNS as OONI's LTE analysis does. */
export function decideVerdict(l: Layers, control: ControlObservation | undefined, helperMissing = false): Verdict {
  const lied = dnsInconsistent(l);
  const dnsWith = (failure: string | null) => verdict(false, "dns", failure, true);
  const controlDown = control !== undefined && !control.reachable;
  const http = l.http;

  if (l.dnsBlockPage !== null) return dnsWith(`dns_blockpage:${l.dnsBlockPage}`);
  if (http?.blockPage) return lied ? dnsWith("dns_blockpage") : verdict(false, "http-diff", `http_blockpage:${http.blockPage.id}`, true);
  if (http && http.failure === null && http.status !== null) {
    if (lied) return dnsWith("dns_inconsistent");
    const final = http.hops[http.hops.length - 1];
    // Over HTTPS a page behind a valid certificate is the site's own (OONI: https final → accessible).
    if (l.https) return verdict(true, null, null, true);
    // Cleartext without a control page: accessible, undetermined when a helper should have vouched for it.
    if (!control?.http || !final) return verdict(true, null, null, !helperMissing);
    return httpDiff(final, control.http) ? verdict(false, "http-diff", "http_diff", true) : verdict(true, null, null, true);
  }
  const lastTcp = l.tcp.find((t) => t.failure !== null);
  const anyTcpOk = l.tcp.some((t) => t.failure === null);
  const anyTlsOk = l.tls.some((t) => t.failure === null);
  const failedAt = (layer: Exclude<Blocking, null>, failure: string | null): Verdict => {
    if (lied) return dnsWith(failure);
    if (controlDown) return verdict(false, null, failure, true);
    return verdict(false, layer, failure, control !== undefined);
  };
  if (http && http.failure !== null) {
    const layer = failureLayer(http.failure);
    if (layer === "dns" && !lied) return hopDnsVerdict(l.hopDns?.[l.hopDns.length - 1], http.failure);
    // A redirect loop or chain past ten is how the site answers, not a failure of the path (OONI QA
    // redirectWithMoreThanTenRedirects*: down).
    if (http.failure === "http_too_many_redirects" && !lied) return verdict(false, null, http.failure, true);
    return failedAt(layer, http.failure);
  }
  if (l.https && anyTcpOk && !anyTlsOk) {
    const tlsFailure = l.tls.find((t) => t.failure !== null)?.failure ?? "tls_error";
    return failedAt("tls", tlsFailure);
  }
  if (l.tcp.length > 0 && !anyTcpOk) return failedAt("tcp", lastTcp?.failure ?? "tcp_error");

  // DNS gave nothing to connect to.
  const ours = l.dns[0];
  const failure = ours?.failure ?? "dns_no_answer";
  if (ours?.failure === "dns_bogon" && !l.controlDns) return verdict(false, "dns", failure, true);
  if (!l.controlDns) return verdict(false, controlDown ? null : "dns", failure, controlDown);
  const cmp = compareWithControl(ours!, l.controlDns);
  // Both failed, or both gave the same loopback/bogon answer (a misconfigured site, never connected to): down.
  if (cmp.consistent) return verdict(false, null, failure, true);
  return dnsWith(failure);
}

/** OONI's HTTP diff for cleartext: status must match, and then body length, or title words. */
function httpDiff(ours: { status: number | null; bodyLength: number; title: string | null; bodyTruncated: boolean },
  control: NonNullable<ControlObservation["http"]>): boolean {
  if (ours.status !== control.status && control.status >= 200 && control.status < 300) return true;
  const proportion = ours.bodyLength > 0 && control.bodyLength > 0 && !ours.bodyTruncated
    ? Math.min(ours.bodyLength / control.bodyLength, control.bodyLength / ours.bodyLength) : null;
  if (proportion !== null && proportion > 0.7) return false;
  const words = (t: string | null) => new Set((t ?? "").toLowerCase().split(/\s+/).filter((w) => w.length >= 5));
  const a = words(ours.title);
  const b = words(control.title);
  if (a.size > 0 && b.size > 0 && [...a].every((w) => b.has(w)) && [...b].every((w) => a.has(w))) return false;
  return true;
}

/** One address's connection: TCP (and TLS for https) on one socket, kept open for a possible GET. */
interface AddressMeasurement {
  tcp: TcpResult;
  tls: TlsResult | null;
  connection: HeldConnection | null;
}

function measureAddress(address: string, port: number, serverName: string, https: boolean,
  options: WebCheckOptions): Promise<AddressMeasurement> {
  const common = { timeoutSeconds: options.timeoutSeconds, signal: options.signal, keepSocket: true, localAddress: options.localAddress };
  if (https) return handshakeTls({ host: address, port, serverName }, { ...common, ca: options.ca });
  return connectTcp({ host: address, port }, common).then((r) => ({ ...r, tls: null }));
}

const usable = (m: AddressMeasurement, https: boolean) =>
  m.connection !== null && m.tcp.failure === null && (!https || m.tls?.failure === null);

/**
 * The address to fetch from, as soon as it is known: the first in order whose connection worked (the one a
 * user's browser takes), without waiting for later addresses. Every other connection is closed when its
 * handshake is over.
 */
async function chooseConnection(targets: string[], pending: Promise<AddressMeasurement>[], https: boolean) {
  let chosen: { address: string; connection: HeldConnection } | null = null;
  let chosenIndex = -1;
  for (const [i, p] of pending.entries()) {
    const m = await p;
    if (usable(m, https)) {
      chosen = { address: targets[i]!, connection: m.connection! };
      chosenIndex = i;
      break;
    }
  }
  pending.forEach((p, i) => {
    if (i !== chosenIndex) void p.then((m) => m.connection?.socket.destroy());
  });
  return chosen;
}

export const checkSite: Prober<string, WebCheckOptions, WebCheck> = async (url, options) => {
  const started = performance.now();
  const parsed = new URL(url);
  if (!(parsed.protocol in DEFAULT_PORTS)) throw new TypeError(`checkSite: unsupported scheme in ${url}`);
  const rawHost = parsed.hostname.replace(/^\[|\]$/g, "");
  const host = isIP(rawHost) ? rawHost : toAsciiHostname(rawHost);
  if (host === null) throw new TypeError(`checkSite: bad host name in ${url}`);
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[parsed.protocol]!;
  const https = parsed.protocol === "https:";
  const resolver = options.resolver ?? "system";
  const bogons = options.bogons ?? defaultBogons;
  const limit = startDeadline(options.timeoutSeconds, options.signal);
  // Our resolver and the control resolver are both asked over the measured network (localAddress): what that
  // network does to a foreign resolver is part of the measurement. The test helper is not (control-client.ts).
  const dnsOpts = { timeoutSeconds: limit.remaining(), bogons, signal: limit.signal, localAddress: options.localAddress };

  let dns: DnsResult[] = [];
  let controlAnswer: Promise<DnsResult> | null = null;
  let addresses: string[];
  let connectTo: string[];
  if (isIP(host)) {
    addresses = [host];
    connectTo = addresses;
  } else {
    // The control resolver is asked alongside but not waited for: an unreachable control (a shutdown, a
    // censored control) must not eat the deadline our own connections need. Its answer is read at the end.
    controlAnswer = options.controlResolver ? probeDns(host, { ...dnsOpts, resolver: options.controlResolver }) : null;
    const ours = await probeDns(host, { ...dnsOpts, resolver });
    dns = [ours];
    // A bogon-only answer is still connected to: it may lead to a block page (ooni/probe#2327). Not a
    // loopback one, nor any bogon answer the control gave too (a misconfigured site: DNS already says down) —
    // the one case where the control's answer is needed before connecting.
    const bogonOnly = ours.addresses.length > 0 && ours.bogons.length === ours.addresses.length;
    const control = bogonOnly && controlAnswer !== null ? await controlAnswer : null;
    const sameAsControl = control !== null && compareWithControl(ours, control).consistent;
    addresses = ours.addresses;
    connectTo = sameAsControl ? [] : connectable(addresses, bogons);
  }
  const helperCall = options.helper?.({ url: parsed.href, addresses }, { seconds: limit.remaining(), signal: limit.signal }) ?? null;
  const targets = pickAddresses(connectTo, options.maxAddressesPerFamily ?? 2);
  const measureOpts = { ...options, timeoutSeconds: limit.remaining(), signal: limit.signal };
  const pending = targets.map((address) => measureAddress(address, port, host, https, measureOpts));
  const chosen = await chooseConnection(targets, pending, https);
  const hopDns: HopDns[] = [];
  const hopControls: Promise<void>[] = [];
  const http = chosen === null ? null : await probeHttp({ url: parsed.href, address: chosen.address }, {
    timeoutSeconds: limit.remaining(),
    signal: limit.signal,
    ca: options.ca,
    fingerprints: options.fingerprints,
    localAddress: options.localAddress,
    resolve: hopResolver({
      resolver, controlResolver: options.controlResolver, bogons, signal: limit.signal, remaining: limit.remaining, record: hopDns,
      controls: hopControls, localAddress: options.localAddress,
    }),
    connection: chosen.connection,
  });
  const measured = await Promise.all(pending);
  const controlDns = controlAnswer === null ? null : await controlAnswer;
  await Promise.all(hopControls);
  const tcp = measured.map((m) => m.tcp);
  const tls = https ? measured.map((m) => m.tls).filter((t): t is TlsResult => t !== null) : [];
  const dnsBlockPage = options.fingerprints && addresses.length > 0
    ? detectBlockPage({ addresses }, options.fingerprints)?.id ?? null : null;
  const layers: Layers = { dnsBlockPage, dns, controlDns, tcp, tls, http, https, hopDns };
  const helperAnswer = helperCall === null ? null : await helperCall;
  const withHelper = helperAnswer === null ? null : decideWithHelper(layers, helperAnswer);
  // Helpers were asked and none answered (typical in a shutdown): a cleartext page cannot be vouched for.
  const helperMissing = helperCall !== null && helperAnswer === null;
  limit.done();
  return {
    url,
    dns: hopDns.length === 0 ? dns : [...dns, ...hopDns.map((h) => h.ours)], // the first host's answer first
    controlDns,
    tcp,
    tls,
    http,
    ...(withHelper === null ? {} : { control: withHelper.summary }),
    verdict: withHelper?.verdict ?? decideVerdict(layers, options.control, helperMissing),
    time: durationSeconds(started, performance.now()),
  };
};
