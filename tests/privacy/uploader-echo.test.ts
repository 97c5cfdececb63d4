// The volunteer's address must appear nowhere. A client in its own network namespace uploads, from
// 198.18.77.77 over a real socket, measurements whose every free-text field echoes that address in
// another form; the batch goes through the real createApp/serve path, a real Redis results queue and the
// collector into a real SQLite file. Then we grep for every form: the SQLite file bytes (with -wal/-shm),
// Redis' AOF and RDB and a DUMP of every key, the captured pino log, every export endpoint, /metrics and the
// API answers, the upload's own answer included.
import { serve, type ServerType } from "@hono/node-server";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app.js";
import { sha256Hex } from "../../src/api/auth.js";
import { IncidentEventHub } from "../../src/api/incident-events.js";
import { Collector } from "../../src/collector/collector.js";
import { createLogger } from "../../src/log.js";
import { Metrics } from "../../src/metrics/metrics.js";
import { createRedisConnection, waitUntilReady } from "../../src/queue/connection.js";
import { ResultsProducer } from "../../src/queue/results-producer.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { testConfig } from "../api/harness.js";
import { waitFor } from "../collector/wait-for.js";
import { NetLab, netnsAvailable, type LabHost } from "../helpers/netns.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";
import { hostileMeasurements, leaks, v4Forms } from "./echo-forms.js";
import { writeLabIpToAsn } from "../attribution/lab-data.js";

const run = promisify(execFile);
const canRun = process.getuid?.() === 0 && netnsAvailable();
const UPLOADER = "198.18.77.77";
const TOKEN = "kwp_echo-suite-token";

function allFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? allFilesUnder(p) : [p];
  });
}

/** Every file's bytes as latin1 and as UTF-8 (so both ASCII and full-width forms are found). */
function fileTexts(paths: string[]): { path: string; text: string }[] {
  return paths.flatMap((path) => {
    const b = readFileSync(path);
    return [{ path, text: b.toString("latin1") }, { path, text: b.toString("utf8") }];
  });
}

describe.skipIf(!canRun)("the uploader's address, echoed in every form, is stored, logged and published nowhere", () => {
  const forms = v4Forms(UPLOADER);
  const dir = mkdtempSync(join(tmpdir(), "kw-echo-"));
  const dbPath = join(dir, "keepwatch.sqlite");
  const ipToAsnDir = writeLabIpToAsn();
  let lab: NetLab;
  let client: LabHost;
  let redis: TestRedis;
  let store: SqliteStore;
  let collector: Collector;
  let producer: ResultsProducer;
  let producerConn: Redis;
  let server: ServerType;
  let port = 0;
  let logText = "";
  const answers: { what: string; text: string }[] = [];
  const startedAt = new Date(Date.now() - 60_000).toISOString();
  const who = { probeId: "probe-47", region: "KZ-47", network: "kcell-mobile" };
  const batch = hostileMeasurements(who, forms, startedAt);

  /**
   * curl from inside the client's namespace, bound to the uploader's address. Asynchronous: the server
   * answering it runs on this process's event loop.
   */
  async function curlFromUploader(path: string, init: { method?: string; body?: string; headers?: string[] } = {}): Promise<string> {
    const args = ["-sS", "--max-time", "60", "--interface", UPLOADER, "-X", init.method ?? "GET"];
    for (const h of init.headers ?? []) args.push("-H", h);
    if (init.body !== undefined) {
      const file = join(dir, `body-${Date.now()}.json`);
      writeFileSync(file, init.body);
      args.push("--data-binary", `@${file}`);
    }
    args.push(`http://${client.gateway}:${port}${path}`);
    const { stdout } = await run("ip", ["netns", "exec", client.ns, "curl", ...args], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  }

  beforeAll(async () => {
    lab = new NetLab();
    client = lab.addHost("up");
    lab.addAddress(client, UPLOADER);
    redis = await startTestRedis();
    store = new SqliteStore(dbPath);
    await store.migrate();
    await store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN), createdAt: new Date().toISOString(), revokedAt: null });
    const sink = new Writable({ write(chunk, _enc, cb) { logText += String(chunk); cb(); } });
    const log = createLogger({ destination: sink, level: "debug" });
    // The lab's IP-to-ASN files name 198.18.77.0/24 as Kcell (KZ): whoami has a network to tell.
    const config = testConfig({ server: { ipToAsnData: ipToAsnDir } });
    const metrics = new Metrics({ store, config, processMetrics: false });
    producerConn = createRedisConnection(redis.url, "producer");
    await waitUntilReady(producerConn);
    producer = new ResultsProducer(producerConn);
    collector = new Collector({ redis: redis.url, store, logger: log, onStored: (ms) => metrics.recordMeasurements(ms) });
    await collector.waitUntilReady();
    const app = createApp({
      store, config, metrics, incidentEvents: new IncidentEventHub(),
      enqueueResults: async (ms) => void (await producer.add(ms)),
      reportError: (err) => log.error({ err }, "api error"),
      options: { regionsCacheMs: 0 },
    });
    // Dual-stack listener: the peer shows up as ::ffff:198.18.77.77, the mapped form.
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, hostname: "::", port: 0 }, (info: AddressInfo) => {
        port = info.port;
        resolve();
      });
    });
  }, 120_000);

  afterAll(async () => {
    if (server) {
      if ("closeAllConnections" in server) server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
    await collector?.close();
    await producer?.close();
    producerConn?.disconnect();
    await store?.close();
    await redis?.cleanup();
    lab?.cleanup();
    rmSync(dir, { recursive: true, force: true });
    rmSync(ipToAsnDir, { recursive: true, force: true });
  }, 60_000);

  it("the hostile input really carries every form (so the greps below can fail)", () => {
    const input = JSON.stringify(batch);
    expect(leaks(input, forms.needles)).toEqual(forms.needles);
  });

  it("whoami, the assignment and the heartbeat from 198.18.77.77 name its network, never the address", async () => {
    const auth = `Authorization: Bearer ${TOKEN}`;
    const whoami = await curlFromUploader("/api/v1/agent/whoami", { headers: [auth] });
    answers.push({ what: "whoami", text: whoami });
    const network = JSON.parse(whoami) as { asn: number; country: string; confirmedAt: string; seal: string };
    expect(network).toMatchObject({ asn: 29355, asName: "Kcell JSC", country: "KZ" });
    answers.push({ what: "assignment", text: await curlFromUploader("/api/v1/agent/assignment", { headers: [auth] }) });
    const beat = await curlFromUploader("/api/v1/agent/heartbeat", {
      method: "POST",
      headers: [auth, "Content-Type: application/json"],
      body: JSON.stringify({ version: "keepwatch/0.1.0", spoolDepth: 1, clockOffsetMs: 0, lastRoundAt: null,
        lastError: `connect from ${forms.needles.slice(0, 6).join(" ")} failed` }),
    });
    answers.push({ what: "heartbeat answer", text: beat });
    expect(JSON.parse(beat)).toMatchObject({ attribution: { asn: 29355 } });
    // The batch carries the sealed attribution, as an agent on this network would.
    for (const m of batch) m.attribution = { status: "confirmed", asn: network.asn, country: network.country, confirmedAt: network.confirmedAt, seal: network.seal };
  }, 120_000);

  it("uploads from 198.18.77.77 over a real socket; every item is accepted and stored", async () => {
    const answer = await curlFromUploader("/api/v1/measurements", {
      method: "POST",
      headers: [`Authorization: Bearer ${TOKEN}`, "Content-Type: application/json"],
      body: JSON.stringify({ measurements: batch }),
    });
    answers.push({ what: "upload answer", text: answer });
    expect(JSON.parse(answer)).toEqual({ accepted: batch.length, rejected: [] });
    // A second batch the server rejects item by item: its reasons must not echo the address either.
    const forged = hostileMeasurements({ ...who, probeId: "probe-75" }, forms, startedAt).slice(0, 3);
    forged[1]!.network.id = `net-${forms.dashed}`;
    const rejected = await curlFromUploader("/api/v1/measurements", {
      method: "POST",
      headers: [`Authorization: Bearer ${TOKEN}`, "Content-Type: application/json"],
      body: JSON.stringify({ measurements: forged.map((m, i) => (i === 2 ? { ...m, probe: { ...m.probe, id: `p-${forms.dashed}` } } : m)) }),
    });
    answers.push({ what: "rejecting answer", text: rejected });
    expect((JSON.parse(rejected) as { rejected: unknown[] }).rejected).toHaveLength(3);
    await waitFor(async () => (await store.listProbes()).find((p) => p.id === "probe-47")?.measurements === batch.length,
      "the collector to store the batch", 60_000);
  }, 120_000);

  it("keeps the evidence that is not the uploader's: the block-page server's address and the cert fingerprint", async () => {
    const stored = await store.getMeasurement(batch[0]!.id);
    expect(stored?.check.tcp.map((t) => t.address)).toEqual(["198.18.0.10", "[scrubbed]"]);
    expect(stored?.check.dns[0]?.addresses).toEqual(["198.18.0.10", "[scrubbed]"]);
    expect(stored?.check.http?.hops[0]?.title).toBe("Access denied for [scrubbed]");
    expect(stored?.check.tls[0]?.certificate?.fingerprint256).toBe(batch[0]!.check.tls[0]!.certificate!.fingerprint256);
    expect(stored?.receivedAt).toBeDefined();
    expect(stored?.attribution).toMatchObject({ asn: 29355, country: "KZ", verdict: "registered-network" });
  });

  it("no form appears in any API answer, export or /metrics", async () => {
    const since = new Date(Date.parse(startedAt) - 3600_000).toISOString();
    const until = new Date(Date.now() + 3600_000).toISOString();
    const range = `since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`;
    for (const path of [
      `/api/v1/measurements/export.ndjson?${range}`, `/api/v1/measurements/export.csv?${range}`,
      `/api/v1/measurements/export.ndjson?${range}&probe=probe-47&region=KZ-47`, "/api/v1/probes", "/api/v1/regions",
      `/api/v1/regions/KZ-47/timeline?${range}`, `/api/v1/incidents?${range}`, "/metrics", "/healthz", "/api/v1/openapi.json",
    ]) {
      answers.push({ what: path, text: await curlFromUploader(path) });
    }
    const ndjson = answers.find((a) => a.what.startsWith("/api/v1/measurements/export.ndjson"))!.text;
    expect(ndjson.trim().split("\n")).toHaveLength(batch.length);
    for (const a of answers) expect(leaks(a.text, forms.needles), a.what).toEqual([]);
  }, 120_000);

  it("no form is in the SQLite file, its WAL, Redis' AOF/RDB, any Redis key or the log", async () => {
    // SQLite: the main file and whatever WAL/shm exist right now (the WAL holds the latest writes).
    const sqliteFiles = readdirSync(dir).filter((f) => f.startsWith("keepwatch.sqlite")).map((f) => join(dir, f));
    expect(sqliteFiles.some((f) => f.endsWith("-wal"))).toBe(true);
    for (const { path, text } of fileTexts(sqliteFiles)) expect(leaks(text, forms.needles), path).toEqual([]);

    // Redis: every key's DUMP, then an RDB snapshot and the AOF files.
    const r = new Redis(redis.url);
    try {
      const keys = await r.keys("*");
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        const dump = await r.dumpBuffer(key);
        expect(leaks(dump?.toString("latin1") ?? "", forms.needles), key).toEqual([]);
      }
      await r.save();
    } finally {
      r.disconnect();
    }
    const redisFiles = allFilesUnder(redis.dir);
    expect(redisFiles.some((f) => f.includes("appendonly"))).toBe(true);
    expect(redisFiles.some((f) => f.endsWith(".rdb"))).toBe(true);
    for (const { path, text } of fileTexts(redisFiles)) expect(leaks(text, forms.needles), path).toEqual([]);

    // The log the server and collector wrote (pino, debug level).
    expect(leaks(logText, forms.needles)).toEqual([]);
    // The stored rows still exist: the greps above read real data, not an empty file.
    expect(execFileSync("sqlite3", [dbPath, "SELECT COUNT(*) FROM measurements"], { encoding: "utf8" }).trim()).toBe(String(batch.length));
  }, 120_000);
});
