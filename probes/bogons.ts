// Bogon addresses: ranges that never belong to a public site, so a DNS answer pointing there is a lie or a
// misconfiguration. The default list is OONI's (probe-cli internal/netxlite/bogon.go, taken from
// ipinfo.io/bogon). Labs that run targets on 198.18.0.0/15 pass it as an exception ("--not-bogon").
import { BlockList, isIP } from "node:net";

export const OONI_BOGONS_V4: readonly string[] = [
  "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
  "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
  "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
];

export const OONI_BOGONS_V6: readonly string[] = [
  "::/128", "::1/128", "::ffff:0:0/96", "::/96", "100::/64", "2001:10::/28", "2001:db8::/32", "fc00::/7",
  "fe80::/10", "fec0::/10", "ff00::/8",
  // 6to4 encodings of the IPv4 bogons.
  "2002::/24", "2002:a00::/24", "2002:7f00::/24", "2002:a9fe::/32", "2002:ac10::/28", "2002:c000::/40",
  "2002:c000:200::/40", "2002:c0a8::/32", "2002:c612::/31", "2002:c633:6400::/40", "2002:cb00:7100::/40",
  "2002:e000::/20", "2002:f000::/20", "2002:ffff:ffff::/48",
  // Teredo encodings of the IPv4 bogons.
  "2001::/40", "2001:0:a00::/40", "2001:0:7f00::/40", "2001:0:a9fe::/48", "2001:0:ac10::/44",
  "2001:0:c000::/56", "2001:0:c000:200::/56", "2001:0:c0a8::/48", "2001:0:c612::/47", "2001:0:c633:6400::/56",
  "2001:0:cb00:7100::/56", "2001:0:e000::/36", "2001:0:f000::/36", "2001:0:ffff:ffff::/64",
];

export const OONI_BOGONS: readonly string[] = [...OONI_BOGONS_V4, ...OONI_BOGONS_V6];

export interface BogonOptions {
  /** The bogon ranges (CIDR, or a bare address for a single host). Default: OONI_BOGONS. */
  ranges?: readonly string[];
  /** Extra ranges added to `ranges`. */
  extra?: readonly string[];
  /** Ranges that are never bogons even if a bogon range covers them, e.g. "198.18.0.0/15" in a lab. */
  notBogon?: readonly string[];
}

export interface BogonMatcher {
  /** True for an address in a bogon range and not excepted. A string that is not an IP is a bogon (OONI). */
  isBogon(address: string): boolean;
}

/** Two lists per set because node's BlockList lets IPv6 rules match IPv4 addresses (as ::ffff:a.b.c.d). */
interface FamilyLists {
  v4: BlockList;
  v6: BlockList;
}

/** Parses "a.b.c.d/n", "x::y/n" or a bare address; throws a TypeError on anything else (a config error). */
export function parseCidr(cidr: string): { address: string; prefix: number; family: "ipv4" | "ipv6" } {
  const [address = "", prefixText, ...rest] = cidr.trim().split("/");
  const version = isIP(address);
  if (version === 0 || rest.length > 0) throw new TypeError(`not an IP range: "${cidr}"`);
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
    throw new TypeError(`bad prefix length in "${cidr}"`);
  }
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

function buildLists(cidrs: readonly string[]): FamilyLists {
  const lists: FamilyLists = { v4: new BlockList(), v6: new BlockList() };
  for (const cidr of cidrs) {
    const { address, prefix, family } = parseCidr(cidr);
    (family === "ipv4" ? lists.v4 : lists.v6).addSubnet(address, prefix, family);
  }
  return lists;
}

export function createBogonMatcher(options: BogonOptions = {}): BogonMatcher {
  const bogons = buildLists([...(options.ranges ?? OONI_BOGONS), ...(options.extra ?? [])]);
  const exceptions = buildLists(options.notBogon ?? []);
  return {
    isBogon(address: string): boolean {
      const version = isIP(address);
      if (version === 0) return true;
      if (version === 4) return bogons.v4.check(address, "ipv4") && !exceptions.v4.check(address, "ipv4");
      // An IPv4 exception also covers its IPv4-mapped form (::ffff:198.18.0.1): BlockList maps it.
      const excepted = exceptions.v6.check(address, "ipv6") || exceptions.v4.check(address, "ipv6");
      return bogons.v6.check(address, "ipv6") && !excepted;
    },
  };
}

/** The OONI list with no exceptions. */
export const defaultBogons: BogonMatcher = createBogonMatcher();
