// Which network an address belongs to: its autonomous system (number and name) and country, from the
// ip-location-db CSV files (npm: @ip-location-db/asn, @ip-location-db/asn-country; see README "Network
// attribution" for the choice). Loaded lazily, on the first lookup, into typed arrays searched by
// bisection (range-table.ts). The address looked up is used for the lookup only: nothing keeps it.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { isAnonymousAddress, parseAddress } from "../privacy/address-forms.js";
import { fieldText, parseDecimal, readRanges, type CsvRow } from "./csv-ranges.js";
import type { RangeTable } from "./range-table.js";

export interface AddressNetwork {
  asn: number | null;
  asName: string | null;
  /** ISO 3166-1 alpha-2, where the address block is registered. */
  country: string | null;
}

export const NO_NETWORK: AddressNetwork = { asn: null, asName: null, country: null };

/** The four files a data directory holds (the names the npm packages and the project's releases use). */
export interface IpToAsnFiles {
  asnV4: string;
  asnV6: string;
  countryV4: string;
  countryV6: string;
}

export function filesIn(dir: string): IpToAsnFiles {
  return {
    asnV4: join(dir, "asn-ipv4-num.csv"),
    asnV6: join(dir, "asn-ipv6-num.csv"),
    countryV4: join(dir, "asn-country-ipv4-num.csv"),
    countryV6: join(dir, "asn-country-ipv6-num.csv"),
  };
}

/** The files of the installed npm packages (updated with the project: `npm update`). */
export function packagedFiles(): IpToAsnFiles {
  const require = createRequire(import.meta.url);
  const asn = dirname(require.resolve("@ip-location-db/asn/package.json"));
  const country = dirname(require.resolve("@ip-location-db/asn-country/package.json"));
  return { ...filesIn(asn), countryV4: join(country, "asn-country-ipv4-num.csv"), countryV6: join(country, "asn-country-ipv6-num.csv") };
}

/** What is missing of a file set (for a clear error at start rather than at the first lookup). */
export function missingFiles(files: IpToAsnFiles): string[] {
  return Object.values(files).filter((f) => !existsSync(f));
}

/** AS names, one per ASN, in one string with offsets (80,000 names take ~2 MB, not a Map's ~8 MB). */
class AsNames {
  private readonly asns: Uint32Array;
  private readonly offsets: Uint32Array;
  private readonly text: string;

  constructor(names: Map<number, string>) {
    const sorted = [...names.keys()].sort((a, b) => a - b);
    this.asns = Uint32Array.from(sorted);
    this.offsets = new Uint32Array(sorted.length + 1);
    const parts: string[] = [];
    let at = 0;
    sorted.forEach((asn, i) => {
      const name = names.get(asn)!;
      this.offsets[i] = at;
      parts.push(name);
      at += name.length;
    });
    this.offsets[sorted.length] = at;
    this.text = parts.join("");
  }

  get(asn: number): string | null {
    let lo = 0;
    let hi = this.asns.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.asns[mid]!;
      if (v === asn) return this.text.slice(this.offsets[mid], this.offsets[mid + 1]) || null;
      if (v < asn) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }
}

interface Tables {
  asnV4: RangeTable;
  asnV6: RangeTable;
  countryV4: RangeTable;
  countryV6: RangeTable;
  names: AsNames;
}

function countryValue(buf: Buffer, row: CsvRow): number | null {
  if (row.valueTo - row.valueFrom !== 2) return null;
  const a = buf[row.valueFrom]!;
  const b = buf[row.valueFrom + 1]!;
  const upper = (x: number) => x >= 0x41 && x <= 0x5a;
  return upper(a) && upper(b) ? (a << 8) | b : null;
}

async function loadTables(files: IpToAsnFiles): Promise<Tables> {
  const names = new Map<number, string>();
  const asnNumber = new Uint32Array(1);
  const asnValue = (buf: Buffer, row: CsvRow): number | null => {
    if (!parseDecimal(buf, row.valueFrom, row.valueTo, asnNumber, 1) || asnNumber[0] === 0) return null;
    const asn = asnNumber[0]!;
    if (!names.has(asn) && row.restTo > row.restFrom) names.set(asn, fieldText(buf, row.restFrom, row.restTo).slice(0, 200));
    return asn;
  };
  // One file at a time: only one file's bytes are held while parsing.
  const asnV4 = await readRanges(files.asnV4, 1, asnValue);
  const asnV6 = await readRanges(files.asnV6, 4, asnValue);
  const countryV4 = await readRanges(files.countryV4, 1, countryValue);
  const countryV6 = await readRanges(files.countryV6, 4, countryValue);
  return { asnV4, asnV6, countryV4, countryV6, names: new AsNames(names) };
}

/** The address as table words: 1 for IPv4 (an IPv4-mapped IPv6 address is its IPv4 one), 4 for IPv6. */
function addressWords(address: string): Uint32Array | null {
  const p = parseAddress(address);
  // A local agent's 127.0.0.1 or ::1 (and the unspecified address) is in no table: no reason to load them.
  if (!p || (isAnonymousAddress(p) && (p.family === 6 || p.octets[1]! + p.octets[2]! === 0))) return null;
  if (p.family === 4) return Uint32Array.of(((p.octets[0]! << 24) | (p.octets[1]! << 16) | (p.octets[2]! << 8) | p.octets[3]!) >>> 0);
  const g = p.groups;
  return Uint32Array.of(...[0, 2, 4, 6].map((i) => ((g[i]! << 16) | g[i + 1]!) >>> 0));
}

export class IpToAsn {
  private loading: Promise<Tables> | null = null;

  constructor(private readonly files: IpToAsnFiles = packagedFiles()) {}

  /** Loads the tables now (else the first lookup does). A failed load is retried by the next call. */
  load(): Promise<void> {
    this.loading ??= loadTables(this.files).catch((err: unknown) => {
      this.loading = null;
      throw err;
    });
    return this.loading.then(() => undefined);
  }

  /** Bytes the loaded tables take (0 before the first load). */
  async tableBytes(): Promise<number> {
    if (!this.loading) return 0;
    const t = await this.loading;
    return t.asnV4.bytes + t.asnV6.bytes + t.countryV4.bytes + t.countryV6.bytes;
  }

  /** The network of an address; all null for an address no table holds (private, loopback, unrouted). */
  async lookup(address: string): Promise<AddressNetwork> {
    const words = addressWords(address);
    if (!words) return NO_NETWORK;
    await this.load();
    const t = await this.loading!;
    const v4 = words.length === 1;
    const asn = (v4 ? t.asnV4 : t.asnV6).find(words);
    const cc = (v4 ? t.countryV4 : t.countryV6).find(words);
    return {
      asn,
      asName: asn === null ? null : t.names.get(asn),
      country: cc === null ? null : String.fromCharCode(cc >> 8, cc & 0xff),
    };
  }
}

let shared: IpToAsn | null = null;

/** One IpToAsn on the packaged files per process: every app built in it shares the loaded tables. */
export function sharedPackagedIpToAsn(): IpToAsn {
  shared ??= new IpToAsn(packagedFiles());
  return shared;
}
