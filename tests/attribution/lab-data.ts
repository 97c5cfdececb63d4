// A small IP-to-ASN data directory in the packages' own format (decimal "-num" CSVs), for the lab's
// addresses (198.18.0.0/15 and 2001:db8::/32 only): the real loader runs on it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const LAB_NETWORKS = {
  /** Kcell in the tests' config (kcell-mobile). */
  mobile: { asn: 29355, asName: "Kcell JSC", country: "KZ", v4: "198.18.77.0/24", sample: "198.18.77.77" },
  /** Kazakhtelecom (kt-fixed): the volunteer's home line. */
  home: { asn: 9198, asName: "JSC \"Kazakhtelecom\", Almaty", country: "KZ", v4: "198.18.78.0/24", sample: "198.18.78.78" },
  /** A VPN exit abroad. */
  /** The same two networks on loopback addresses, for tests that bind the agent's requests to them. */
  mobileLoopback: { asn: 29355, asName: "Kcell JSC", country: "KZ", v4: "127.77.0.0/16", sample: "127.77.0.1" },
  homeLoopback: { asn: 9198, asName: "JSC \"Kazakhtelecom\", Almaty", country: "KZ", v4: "127.78.0.0/16", sample: "127.78.0.1" },
  abroad: { asn: 64500, asName: "Lab VPN GmbH", country: "DE", v4: "198.18.79.0/24", sample: "198.18.79.79" },
} as const;

export const LAB_V6 = { prefix: "2001:db8:77::", sample: "2001:db8:77::1", asn: 29355, country: "KZ" };

function v4Range(cidr: string): [bigint, bigint] {
  const [addr, bits] = cidr.split("/");
  const n = addr!.split(".").reduce((a, o) => (a << 8n) | BigInt(o), 0n);
  return [n, n + (1n << BigInt(32 - Number(bits))) - 1n];
}

const csvName = (s: string) => (/[",]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** Writes the four files into a new temp directory; returns it (config server.ipToAsnData). */
export function writeLabIpToAsn(): string {
  const dir = mkdtempSync(join(tmpdir(), "kw-ipasn-"));
  const nets = Object.values(LAB_NETWORKS).map((n) => ({ ...n, range: v4Range(n.v4) })).sort((a, b) => Number(a.range[0] - b.range[0]));
  writeFileSync(join(dir, "asn-ipv4-num.csv"), nets.map((n) => `${n.range[0]},${n.range[1]},${n.asn},${csvName(n.asName)}\n`).join(""));
  writeFileSync(join(dir, "asn-country-ipv4-num.csv"), nets.map((n) => `${n.range[0]},${n.range[1]},${n.country}\n`).join(""));
  // 2001:db8:77::/48
  const start = (0x20010db8n << 96n) | (0x77n << 80n);
  const end = start + (1n << 80n) - 1n;
  writeFileSync(join(dir, "asn-ipv6-num.csv"), `${start},${end},${LAB_V6.asn},Kcell JSC\r\n`);
  writeFileSync(join(dir, "asn-country-ipv6-num.csv"), `${start},${end},${LAB_V6.country}\r\n`);
  return dir;
}
