// The test helper's SSRF policy. A helper fetches URLs strangers name, from a machine that may sit next to
// other services: it must never become a way into loopback, a private network, a cloud metadata address or
// anything else that is not the public internet. Every address is checked before any connection — the URL's
// own (literal or resolved), the addresses a probe hands in, and every redirect hop's — against OONI's bogon
// list (loopback, RFC 1918, CGNAT, link-local, multicast, documentation, reserved, their IPv6, 6to4 and Teredo
// forms) plus the NAT64 prefixes, which reach IPv4 behind a translator. Only ranges the operator lists in
// `helper.allowRanges` (a lab's 198.18.0.0/15) are let through.
import { BlockList, isIP } from "node:net";
import { createBogonMatcher, OONI_BOGONS, parseCidr, type BogonMatcher } from "../../probes/bogons.js";
import { toAsciiHostname } from "../../probes/idn.js";

/** NAT64 well-known and local-use prefixes (RFC 6052, RFC 8215). */
export const NAT64_PREFIXES = ["64:ff9b::/96", "64:ff9b:1::/48"] as const;

/** Names for the ranges people ask about most, so a refusal says what the address is. */
const NAMED_RANGES: readonly [string, string][] = [
  ["127.0.0.0/8", "loopback"], ["::1/128", "loopback"], ["10.0.0.0/8", "private"], ["172.16.0.0/12", "private"],
  ["192.168.0.0/16", "private"], ["fc00::/7", "private"], ["100.64.0.0/10", "CGNAT"], ["169.254.0.0/16", "link-local"],
  ["fe80::/10", "link-local"], ["224.0.0.0/4", "multicast"], ["ff00::/8", "multicast"], ["0.0.0.0/8", "unspecified"],
  ["::/128", "unspecified"], ["192.0.2.0/24", "documentation"], ["198.51.100.0/24", "documentation"],
  ["203.0.113.0/24", "documentation"], ["2001:db8::/32", "documentation"], ["198.18.0.0/15", "benchmarking"],
  ["::ffff:0:0/96", "IPv4-mapped"], ["64:ff9b::/96", "NAT64"], ["64:ff9b:1::/48", "NAT64"],
];

export class RefusedRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedRequest";
  }
}

export interface AddressPolicy {
  /** True when the helper may connect to `address` (a bare IP). */
  allows(address: string): boolean;
  /** Why `address` is refused ("127.0.0.1 is loopback"), or null when it is allowed. */
  refusal(address: string): string | null;
}

function rangeName(address: string): string {
  const v = isIP(address);
  for (const [cidr, name] of NAMED_RANGES) {
    const r = parseCidr(cidr);
    const list = new BlockList();
    list.addSubnet(r.address, r.prefix, r.family);
    // An IPv4 range is not meant to match IPv4-mapped forms here: those have their own name.
    if ((r.family === "ipv4") === (v === 4) && list.check(address, v === 4 ? "ipv4" : "ipv6")) return name;
  }
  return "not a public address";
}

export function createAddressPolicy(allowRanges: readonly string[] = []): AddressPolicy {
  const refused: BogonMatcher = createBogonMatcher({ ranges: OONI_BOGONS, extra: NAT64_PREFIXES, notBogon: allowRanges });
  const refusal = (address: string): string | null => {
    if (isIP(address) === 0) return `"${address}" is not an IP address`;
    return refused.isBogon(address) ? `${address} is ${rangeName(address)}` : null;
  };
  return { allows: (address) => refusal(address) === null, refusal };
}

/** A URL the helper will measure: http(s), no credentials, a host it may look up or connect to. */
export interface ControlUrl {
  url: URL;
  /** Host name in ASCII, or the IP address without brackets. */
  host: string;
  port: number;
  https: boolean;
  ipHost: boolean;
}

/**
 * Validates a probe's URL before anything is resolved or connected. Throws RefusedRequest (→ 400) for other
 * schemes, userinfo, a bad host, or an IP literal in a refused range — after the WHATWG parser normalised it,
 * so "http://2130706433/" and "http://0x7f.1/" are seen as the 127.0.0.1 they are.
 */
export function parseControlUrl(raw: string, policy: AddressPolicy): ControlUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RefusedRequest(`not a URL: ${JSON.stringify(raw.slice(0, 100))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new RefusedRequest(`scheme ${url.protocol} refused: http and https only`);
  if (url.username !== "" || url.password !== "") throw new RefusedRequest("credentials in the URL refused");
  const bare = url.hostname.replace(/^\[|\]$/g, "");
  const ipHost = isIP(bare) !== 0;
  const host = ipHost ? bare : toAsciiHostname(bare);
  if (host === null || host === "") throw new RefusedRequest(`bad host name in URL: ${JSON.stringify(url.hostname.slice(0, 100))}`);
  if (ipHost) {
    const why = policy.refusal(host);
    if (why !== null) throw new RefusedRequest(`address refused: ${why}`);
  }
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return { url, host, port, https: url.protocol === "https:", ipHost };
}
