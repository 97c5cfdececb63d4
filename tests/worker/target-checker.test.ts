// The site checker the worker, the agent and `keepwatch measure` share, run the production way (runChecks →
// Measurement) against real loopback servers: our resolver and a control resolver, an HTTPS site with a
// redirect chain and a download, a real test helper answering over HTTP, a refused port and an NXDOMAIN. Every
// duration in every Measurement must be reported to the microsecond (probes/duration.ts): a timing left as a
// raw performance.now() difference costs ~5 stored bytes for nothing.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/api/auth.js";
import { helperConfigSchema } from "../../src/config/schema.js";
import type { TargetConfig } from "../../src/config/schema.js";
import { helperApp, helperDeps } from "../../src/helper/app.js";
import { configuredTokens } from "../../src/helper/tokens.js";
import { measurementSchema } from "../../src/measurement.js";
import { inSchemaKeyOrder, parseMeasurement } from "../../src/measurement-check.js";
import { runChecks } from "../../src/worker/run-checks.js";
import { createInProcessChecker } from "../../src/worker/target-checker.js";
import { makeTestPki, type TestPki } from "../helpers/certs.js";
import { startDnsServer, type TestDnsServer } from "../helpers/dns-server.js";
import { startTestHttpServer, type TestHttpServer } from "../helpers/http-servers.js";
import { finerThanMicroseconds, fractionalNumbers } from "../helpers/timings.js";

const TOKEN = "kwp_target-checker-test-token";

let pki: TestPki;
let ours: TestDnsServer;
let control: TestDnsServer;
let site: TestHttpServer;
let helper: ServerType;
let helperUrl: string;
let caFile: string;

beforeAll(async () => {
  pki = makeTestPki();
  site = await startTestHttpServer({ address: "127.0.0.2", tls: pki.leaf(["gov.test", "news.test"]) });
  ours = await startDnsServer();
  control = await startDnsServer();
  for (const dns of [ours, control]) {
    dns.set("gov.test", { A: ["127.0.0.2"] });
    dns.set("news.test", { A: ["127.0.0.2"] });
    dns.set("closed.test", { A: ["127.0.0.3"] }); // nothing listens there
  }
  ours.set("gone.test", { rcode: "NXDOMAIN" });
  caFile = join(pki.dir, "ca-bundle.pem");
  writeFileSync(caFile, pki.caCert);
  const config = helperConfigSchema.parse({ resolver: control.resolver, allowRanges: ["127.0.0.2/32", "127.0.0.3/32"], caFiles: [caFile],
    tokenHashes: [sha256Hex(TOKEN)], rateLimit: { perMinute: 6000, burst: 1000 } });
  const app = helperApp(helperDeps(config, configuredTokens([sha256Hex(TOKEN)])), (err) => { throw err; });
  await new Promise<void>((ok) => {
    helper = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
      helperUrl = `http://127.0.0.1:${info.port}/api/v1/control`;
      ok();
    });
  });
});

afterAll(async () => {
  helper?.close();
  await Promise.all([site?.close(), ours?.close(), control?.close()]);
  pki?.cleanup();
});

const target = (url: string, throughput = false): TargetConfig => ({ url, list: "non_whitelisted", category: "NEWS", throughput });

describe("site checker: timings as stored", () => {
  it("reports every duration of every layer, the control's and the download's to the microsecond", async () => {
    const checker = await createInProcessChecker({
      resolver: ours.resolver, controlResolver: control.resolver, caFiles: [caFile], notBogon: ["127.0.0.0/8"], timeoutSeconds: 3,
      helpers: [{ url: helperUrl, token: TOKEN }], throughputMaxBytes: 200_000,
    });
    const who = { probeId: "p1", role: "region" as const, region: "KZ-10", network: { id: "kcell-mobile", asn: 29355, kind: "mobile" as const } };
    const measurements = await runChecks(who, [
      target(`https://gov.test:${site.port}/fixed?bytes=300000`, true),
      target(`https://news.test:${site.port}/chain/2`),
      target(`https://closed.test:${site.port}/`),
      target(`https://gone.test:${site.port}/`),
    ], checker, 2);
    expect(measurements).toHaveLength(4);
    for (const m of measurements) expect(measurementSchema.safeParse(m).success).toBe(true);
    const [download, redirects, refused, nxdomain] = [...measurements].sort((a, b) => order(a.target.url) - order(b.target.url));

    // The walk had real timings to look at: the helper answered, the download ran, the redirect took three hops.
    expect(download!.check.control?.helper).toBe(helperUrl);
    expect(download!.throughput).toMatchObject({ failure: null, bytes: 200_000, capped: "bytes" });
    expect(Number.isInteger(download!.throughput!.bytesPerSecond)).toBe(true);
    expect(redirects!.check.http?.hops).toHaveLength(3);
    expect(refused!.check.tcp[0]?.failure).toBe("tcp_refused");
    expect(nxdomain!.check.dns[0]?.failure).toBe("dns_nxdomain");
    expect(fractionalNumbers(download)).toBeGreaterThanOrEqual(12);
    expect(fractionalNumbers(redirects)).toBeGreaterThanOrEqual(20);

    expect(measurements.flatMap((m) => finerThanMicroseconds(m).map((f) => `${m.target.url} ${f}`))).toEqual([]);
    // Built in the schema's key order, so the collector stores them without zod's copy (src/measurement-check.ts):
    // the same object back, as queued by the producer.
    for (const m of measurements) {
      const queued = inSchemaKeyOrder({ ...m, receivedAt: "2026-01-01T00:00:00.000Z" });
      expect(parseMeasurement(queued).data, m.target.url).toBe(queued);
    }
  });
});

function order(url: string): number {
  return ["gov.test", "news.test", "closed.test", "gone.test"].findIndex((h) => url.includes(h));
}
