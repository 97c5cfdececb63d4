// The DNS prober: A and AAAA for one name, in parallel, from a chosen resolver over UDP (TCP when the answer
// is truncated) or from the system resolver (getaddrinfo). The CNAME chain is followed inside the answer,
// addresses in bogon ranges turn the result into dns_bogon. Network failures are results, never throws.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import type { DecodedPacket, StringAnswer } from "dns-packet";
import { defaultBogons, type BogonMatcher } from "./bogons.js";
import { exchangeAll, type ExchangeOutcome, type QueryType } from "./dns-exchange.js";
import { durationSeconds } from "./duration.js";
import { toAsciiHostname } from "./idn.js";
import type { DnsFailure, DnsResult, Endpoint, ProbeOptions, Prober } from "./types.js";

export { compareWithControl, type DnsComparison } from "./dns-compare.js";

export interface DnsOptions extends ProbeOptions {
  /** "system" for getaddrinfo, or a resolver as "ip", "ip:port", "[ipv6]:port" (port 53 by default). */
  resolver: string;
  /** Default: the OONI list (probes/bogons.ts). */
  bogons?: BogonMatcher;
  /** Record types to ask for; default both A and AAAA. Ignored by the system resolver. */
  types?: readonly QueryType[];
  /** UDP sends of the query within the timeout; default 3. */
  udpAttempts?: number;
}

const CHAIN_LIMIT = 16;

/** Parses a resolver string; throws a TypeError for anything that is not an IP with an optional port. */
export function parseResolver(resolver: string): Endpoint {
  let host = resolver;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(resolver);
  if (bracketed) {
    host = bracketed[1] ?? "";
    portText = bracketed[2];
  } else if (isIP(resolver) !== 6) {
    const parts = resolver.split(":");
    if (parts.length > 2) throw new TypeError(`bad resolver "${resolver}"`);
    host = parts[0] ?? "";
    portText = parts[1];
  }
  const port = portText === undefined ? 53 : Number(portText);
  if (isIP(host) === 0 || !/^\d*$/.test(portText ?? "") || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`resolver must be "system" or an IP address with optional port, got "${resolver}"`);
  }
  return { host, port };
}

export const formatEndpoint = (e: Endpoint) => (isIP(e.host) === 6 ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`);

export const probeDns: Prober<string, DnsOptions, DnsResult> = async (name, options) => {
  const query = toAsciiHostname(name);
  if (query === null) throw new TypeError(`not a valid host name: "${name}"`);
  const bogons = options.bogons ?? defaultBogons;
  if (options.resolver === "system") {
    // getaddrinfo's sockets cannot be bound: a measurement tied to one interface needs a resolver of its own.
    if (options.localAddress) throw new TypeError("a local address needs a resolver address, not the system resolver");
    return probeSystem(query, options, bogons);
  }
  const server = parseResolver(options.resolver);
  const started = performance.now();
  const types = options.types ?? ["A", "AAAA"];
  if (types.length === 0) throw new TypeError("types must name at least one record type");
  // A and AAAA over one socket, as a stub resolver asks them (one socket per type cost a tenth of a check).
  const answers = await exchangeAll(server, query, types, {
    timeoutMs: options.timeoutSeconds * 1000,
    udpAttempts: options.udpAttempts,
    signal: options.signal,
    localAddress: options.localAddress,
  });
  const outcomes = types.map((type, i) => ({ type, outcome: answers[i]! }));
  return assemble(query, formatEndpoint(server), outcomes, bogons, durationSeconds(started, performance.now()));
};

interface Read {
  chain: string[];
  addresses: string[];
  failure: DnsFailure | null;
}

const normaliseName = (n: string) => n.toLowerCase().replace(/\.$/, "");

type AddressRecord = StringAnswer & { type: "A" | "AAAA" | "CNAME" };

/** The A, AAAA and CNAME records of a response; other types (and OPT) have no string data. */
function addressRecords(response: DecodedPacket): AddressRecord[] {
  return (response.answers ?? []).filter((a): a is AddressRecord =>
    (a.type === "A" || a.type === "AAAA" || a.type === "CNAME") && typeof (a as StringAnswer).data === "string");
}

/** Follows CNAMEs from the queried name; addresses are the records of the queried type at the chain's end. */
function readResponse(query: string, type: QueryType, response: DecodedPacket): Read {
  const answers = addressRecords(response);
  const chain: string[] = [];
  let current = normaliseName(query);
  for (let i = 0; i < CHAIN_LIMIT; i++) {
    const alias = answers.find((a) => a.type === "CNAME" && normaliseName(a.name) === current);
    if (!alias) break;
    current = normaliseName(alias.data);
    chain.push(current);
  }
  const addresses = answers
    .filter((a) => a.type === type && normaliseName(a.name) === current)
    .map((a) => a.data);
  return { chain, addresses, failure: rcodeFailure(rcodeOf(response), addresses.length > 0) };
}

function rcodeOf(packet: DecodedPacket): string {
  return (packet as DecodedPacket & { rcode?: string }).rcode ?? "NOERROR";
}

function rcodeFailure(rcode: string, hasAddresses: boolean): DnsFailure | null {
  switch (rcode) {
    case "NOERROR": return hasAddresses ? null : "dns_no_answer";
    case "NXDOMAIN": return "dns_nxdomain";
    case "SERVFAIL": return "dns_servfail";
    case "REFUSED": return "dns_refused";
    default: return "dns_error";
  }
}

/** When no query produced an address, the most telling failure wins: an explicit answer beats silence. */
const FAILURE_PRIORITY: readonly DnsFailure[] = ["dns_nxdomain", "dns_refused", "dns_servfail", "dns_no_answer", "dns_error", "dns_timeout"];

function assemble(query: string, resolver: string, outcomes: { type: QueryType; outcome: ExchangeOutcome }[],
  bogons: BogonMatcher, time: number): DnsResult {
  const answers: DnsResult["answers"] = [];
  const seen = new Set<string>();
  const addresses: string[] = [];
  const failures: DnsFailure[] = [];
  let cnameChain: string[] = [];
  let rcode: string | null = null;
  for (const { type, outcome } of outcomes) {
    const response = outcome.response;
    if (!response) {
      failures.push(outcome.problem === "timeout" ? "dns_timeout" : "dns_error");
      continue;
    }
    rcode ??= rcodeOf(response);
    const read = readResponse(query, type, response);
    if (read.failure) failures.push(read.failure);
    addresses.push(...read.addresses);
    if (read.chain.length > cnameChain.length) cnameChain = read.chain;
    for (const a of addressRecords(response)) {
      const key = `${a.type} ${normaliseName(a.name)} ${a.data}`;
      if (seen.has(key)) continue; // the CNAME part of the A and AAAA answers is the same
      seen.add(key);
      answers.push({ name: normaliseName(a.name), type: a.type, data: a.data, ttl: a.ttl ?? 0 });
    }
  }
  const bogonAddresses = addresses.filter((a) => bogons.isBogon(a));
  const failure = addresses.length > 0
    ? (bogonAddresses.length > 0 ? "dns_bogon" : null)
    : FAILURE_PRIORITY.find((f) => failures.includes(f)) ?? "dns_error";
  return {
    query,
    resolver,
    transport: outcomes.some((o) => o.outcome.transport === "tcp") ? "tcp" : "udp",
    rcode,
    answers,
    addresses,
    cnameChain,
    bogons: bogonAddresses,
    failure,
    time,
  };
}

/** getaddrinfo error codes as node reports them; EAI_NODATA is folded into ENOTFOUND by node itself. */
function systemFailure(code: string | undefined): DnsFailure {
  switch (code) {
    case "ENOTFOUND": return "dns_nxdomain";
    case "ENODATA": return "dns_no_answer";
    // Temporary failure: SERVFAIL, REFUSED or no resolver reachable; glibc does not tell which.
    case "EAI_AGAIN": return "dns_servfail";
    default: return "dns_error";
  }
}

async function probeSystem(query: string, options: DnsOptions, bogons: BogonMatcher): Promise<DnsResult> {
  const started = performance.now();
  const base = { query, resolver: "system", transport: "system" as const, rcode: null, answers: [], cnameChain: [] };
  let timer: NodeJS.Timeout | undefined;
  let onAbort = () => {};
  // getaddrinfo cannot be cancelled: on timeout we stop waiting and let the thread finish on its own.
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), options.timeoutSeconds * 1000);
    onAbort = () => resolve("timeout");
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const outcome = await Promise.race([lookup(query, { all: true, order: "verbatim" }), expired]);
    const time = durationSeconds(started, performance.now());
    if (outcome === "timeout") return { ...base, addresses: [], bogons: [], failure: "dns_timeout", time };
    const addresses = outcome.map((a) => a.address);
    const bogonAddresses = addresses.filter((a) => bogons.isBogon(a));
    const failure = addresses.length === 0 ? "dns_no_answer" : bogonAddresses.length > 0 ? "dns_bogon" : null;
    return { ...base, addresses, bogons: bogonAddresses, failure, time };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ...base, addresses: [], bogons: [], failure: systemFailure(code), time: durationSeconds(started, performance.now()) };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}
