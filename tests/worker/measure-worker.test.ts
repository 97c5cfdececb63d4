// The measure worker on a real Redis: takes its probe's job, checks real loopback sites, and leaves the
// Measurements on the results queue; closing waits for the job in flight.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Queue } from "bullmq";
import { pino } from "pino";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRedisConnection } from "../../src/queue/connection.js";
import { MeasureProducer } from "../../src/queue/measure-producer.js";
import { QUEUES } from "../../src/queue/names.js";
import { ResultsProducer } from "../../src/queue/results-producer.js";
import type { ResultsJobData } from "../../src/queue/results-job.js";
import { measurementSchema } from "../../src/measurement.js";
import { MeasureWorker } from "../../src/worker/measure-worker.js";
import { createTargetChecker } from "../../src/worker/target-checker.js";
import { makeTestPki, type TestPki } from "../helpers/certs.js";
import { startDnsServer, type TestDnsServer } from "../helpers/dns-server.js";
import { startTestHttpServer, type TestHttpServer } from "../helpers/http-servers.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";

let redis: TestRedis;
let pki: TestPki;
let dns: TestDnsServer;
let site: TestHttpServer;

beforeAll(async () => {
  redis = await startTestRedis();
  pki = makeTestPki();
  site = await startTestHttpServer({ tls: pki.leaf(["gov.test"]) });
  dns = await startDnsServer();
  dns.set("gov.test", { A: ["127.0.0.1"] });
  dns.set("messenger.test", { rcode: "NXDOMAIN" });
});
afterAll(async () => {
  await Promise.all([site.close(), dns.close()]);
  await redis.cleanup();
  pki.cleanup();
});

describe("MeasureWorker", () => {
  it("turns a measure job into Measurements on the results queue", async () => {
    const conn = createRedisConnection(redis.url, "worker");
    const results = new ResultsProducer(conn);
    const caFile = join(pki.dir, "ca-bundle.pem");
    writeFileSync(caFile, pki.caCert);
    const worker = new MeasureWorker({
      connection: createRedisConnection(redis.url, "worker"),
      results,
      probe: { probeId: "p47", role: "region", region: "KZ-47", network: { id: "kcell-mobile", asn: 29355, kind: "mobile" } },
      checker: await createTargetChecker({ resolver: dns.resolver, caFiles: [caFile], notBogon: ["127.0.0.0/8"], timeoutSeconds: 3 }),
      concurrency: 4,
      log: pino({ level: "silent" }),
    });
    await worker.waitUntilReady();
    const producer = new MeasureProducer(conn);
    await producer.add({
      probeId: "p47", region: "KZ-47", network: "kcell-mobile", role: "region",
      scheduledFor: new Date().toISOString(),
      targets: [
        { url: `https://gov.test:${site.port}/`, list: "whitelisted", category: "gov", throughput: false },
        { url: "https://messenger.test/", list: "non_whitelisted", category: "messenger", throughput: false },
      ],
    });
    const q = new Queue<ResultsJobData>(QUEUES.results, { connection: conn });
    const deadline = Date.now() + 20_000;
    while ((await q.count()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // close() is graceful: it returns after the job in flight has queued its results.
    await worker.close();
    const jobs = await q.getJobs(["waiting"]);
    const measurements = jobs.flatMap((j) => j.data.measurements);
    expect(measurements).toHaveLength(2);
    for (const m of measurements) expect(measurementSchema.safeParse(m).success).toBe(true);
    const gov = measurements.find((m) => m.target.list === "whitelisted")!;
    expect(gov).toMatchObject({ region: "KZ-47", probe: { id: "p47" }, network: { asn: 29355 }, verdict: { accessible: true } });
    const blocked = measurements.find((m) => m.target.list === "non_whitelisted")!;
    expect(blocked.verdict).toMatchObject({ accessible: false, failure: "dns_nxdomain" });
    await q.close();
    await producer.close();
    await results.close();
    conn.disconnect();
  });
});
