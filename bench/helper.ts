// Test-helper benchmark on loopback: how long one control request takes (DNS, connect to the helper's and the
// probe's addresses, GET of the page), and what asking a helper adds to a cleartext and an HTTPS site check
// (it runs in parallel with the check, so the check waits only for whatever the helper takes beyond it).
//
//   npx tsx bench/helper.ts [rounds]
//
// Everything is on this machine: a DNS server on 127.0.0.1, the sites on 127.0.0.2 (HTTP and HTTPS with a
// throwaway CA), the helper on 127.0.0.1 with allowRanges [127.0.0.2/32]. Requests are sequential, so the
// figures are latencies, not throughput. Helper, sites and probe share the process and the CPUs.
import { serve } from "@hono/node-server";
import { performance } from "node:perf_hooks";
import { createBogonMatcher } from "../probes/bogons.js";
import { createControlClient } from "../probes/control-client.js";
import { checkSite } from "../probes/web.js";
import { sha256Hex } from "../src/api/auth.js";
import { helperConfigSchema } from "../src/config/schema.js";
import { helperApp, helperDeps } from "../src/helper/app.js";
import { configuredTokens } from "../src/helper/tokens.js";
import { makeTestPki } from "../tests/helpers/certs.js";
import { startDnsServer } from "../tests/helpers/dns-server.js";
import { startTestHttpServer } from "../tests/helpers/http-servers.js";

const rounds = Number(process.argv[2] ?? 200);
const TOKEN = "kwp_bench";
const pki = makeTestPki();
const dns = await startDnsServer({ rules: { "site.test": { A: ["127.0.0.2"] } } });
const http = await startTestHttpServer({ address: "127.0.0.2" });
const https = await startTestHttpServer({ address: "127.0.0.2", tls: pki.leaf(["site.test"]) });
const config = helperConfigSchema.parse({
  resolver: dns.resolver, allowRanges: ["127.0.0.2/32"], tokenHashes: [sha256Hex(TOKEN)], rateLimit: { perMinute: 1e6, burst: 1e6 },
});
const deps = helperDeps(config, configuredTokens(config.tokenHashes));
deps.measure.ca = [pki.caCert];
const app = helperApp(deps, (e) => console.error(e));
const helperUrl = await new Promise<string>((ok) => {
  serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => ok(`http://127.0.0.1:${info.port}/api/v1/control`));
});
const client = createControlClient([{ url: helperUrl, token: TOKEN }]);
const bogons = createBogonMatcher({ notBogon: ["127.0.0.0/8"] });

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${(q(0.5) * 1000).toFixed(2)} ms, p95 ${(q(0.95) * 1000).toFixed(2)} ms`;
}

async function timeIt(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 10; i++) await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    out.push((performance.now() - t) / 1000);
  }
  return out;
}

const rows: [string, number[]][] = [];
for (const [name, url] of [["http", `http://site.test:${http.port}/`], ["https", `https://site.test:${https.port}/`]] as const) {
  const reported: number[] = [];
  rows.push([`control request (${name}), round trip`, await timeIt(async () => {
    const a = await client({ url, addresses: ["127.0.0.2"] }, { seconds: 10 });
    if (!a) throw new Error("helper did not answer");
    reported.push(a.answer.time);
  })]);
  rows.push([`control request (${name}), helper's own time`, reported.slice(10)]);
  const base = { timeoutSeconds: 5, resolver: dns.resolver, bogons, ca: [pki.caCert] };
  rows.push([`site check (${name}) without helper`, await timeIt(() => checkSite(url, base))]);
  rows.push([`site check (${name}) with helper`, await timeIt(async () => {
    const r = await checkSite(url, { ...base, helper: client });
    if (!r.control) throw new Error("no control in the check");
  })]);
}
console.log(`test helper on loopback, ${rounds} sequential rounds each (node ${process.version})`);
for (const [name, xs] of rows) console.log(`${name.padEnd(44)} ${stats(xs)}`);
await Promise.all([dns.close(), http.close(), https.close()]);
pki.cleanup();
process.exit(0);
