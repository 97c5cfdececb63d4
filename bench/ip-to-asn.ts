// The IP-to-ASN lookup behind GET /agent/whoami: load time of the packaged tables, lookups per second
// (random IPv4 and IPv6 addresses), and the memory the loaded tables add to the process (RSS and heap after
// a full GC, and the peak while loading). Runs in a fresh child process with --expose-gc so the figures are
// the tables' own: `npx tsx bench/ip-to-asn.ts` (or `npm run bench -- ip-to-asn`).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";

const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;

async function child(): Promise<void> {
  const { IpToAsn } = await import("../src/attribution/ip-to-asn.js");
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  const before = process.memoryUsage();
  let peak = before.rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const db = new IpToAsn();
  const t0 = performance.now();
  await db.load();
  const loadMs = performance.now() - t0;
  clearInterval(sampler);
  gc();
  const after = process.memoryUsage();
  const v4 = Array.from({ length: 200_000 }, () => [...randomBytes(4)].join("."));
  // In RIPE's 2a00::/12, where most prefixes are allocated (a uniformly random IPv6 address is in no table).
  const v6 = Array.from({ length: 200_000 }, () => `2a0${randomBytes(1).toString("hex")[0]}:${randomBytes(2).toString("hex")}::${randomBytes(2).toString("hex")}`);
  const rate = async (addresses: string[]) => {
    let found = 0;
    const t = performance.now();
    for (const a of addresses) if ((await db.lookup(a)).asn !== null) found++;
    return { perSecond: Math.round(addresses.length / ((performance.now() - t) / 1000)), found: found / addresses.length };
  };
  const ipv4 = await rate(v4);
  const ipv6 = await rate(v6);
  console.log(JSON.stringify({
    loadSeconds: Math.round(loadMs / 100) / 10,
    tableMiB: mib(await db.tableBytes()),
    rssAddedMiB: mib(after.rss - before.rss),
    heapAddedMiB: mib(after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers),
    peakRssAddedWhileLoadingMiB: mib(peak - before.rss),
    ipv4LookupsPerSecond: ipv4.perSecond, ipv4Found: Math.round(ipv4.found * 100) / 100,
    ipv6LookupsPerSecond: ipv6.perSecond, ipv6Found: Math.round(ipv6.found * 100) / 100,
  }));
}

export async function benchIpToAsn(): Promise<unknown> {
  const out = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", fileURLToPath(import.meta.url), "--child"], { encoding: "utf8" });
  const figures = JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, number>;
  console.log(figures);
  return figures;
}

if (process.argv.includes("--child")) await child();
else if (process.argv[1] === fileURLToPath(import.meta.url)) await benchIpToAsn();
