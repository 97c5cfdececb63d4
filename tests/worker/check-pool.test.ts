// The check pool on real loopback sockets: threads give the same results as the in-process checker, two
// threads really check at once, a killed thread's check is rejected and the thread replaced, close() ends them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { threadId as mainThreadId } from "node:worker_threads";
import { webCheckSchema } from "../../probes/types.js";
import type { TargetConfig } from "../../src/config/schema.js";
import { CheckPool, resolveThreadCount } from "../../src/worker/check-pool.js";
import { createInProcessChecker, createTargetChecker, type CheckerSettings } from "../../src/worker/target-checker.js";
import { makeTestPki, type TestPki } from "../helpers/certs.js";
import { startDnsServer, type TestDnsServer } from "../helpers/dns-server.js";
import { startTestHttpServer, type TestHttpServer } from "../helpers/http-servers.js";

let pki: TestPki;
let dns: TestDnsServer;
let site: TestHttpServer;
let settings: CheckerSettings;

const target = (url: string): TargetConfig => ({ url, list: "whitelisted", category: "gov", throughput: false });
const ok = () => target(`https://gov.test:${site.port}/`);
const nxdomain = () => target(`https://messenger.test:${site.port}/`);
/** The site never answers: the check stays in flight until its timeout. */
const stalled = () => target(`https://gov.test:${site.port}/stall`);

/** A check's result without what differs between two runs of the same check (times, rates, TTLs). */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value === null || typeof value !== "object") return value;
  const timing = new Set(["time", "connectTime", "handshakeTime", "phases", "seconds", "bytesPerSecond", "firstByte", "ttl", "date"]);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, timing.has(k) ? typeof v : stable(v)]));
}

beforeAll(async () => {
  pki = makeTestPki();
  site = await startTestHttpServer({ tls: pki.leaf(["gov.test"]) });
  dns = await startDnsServer();
  dns.set("gov.test", { A: ["127.0.0.1"] });
  dns.set("messenger.test", { rcode: "NXDOMAIN" });
  const caFile = join(pki.dir, "ca-bundle.pem");
  writeFileSync(caFile, pki.caCert);
  settings = { resolver: dns.resolver, caFiles: [caFile], notBogon: ["127.0.0.0/8"], timeoutSeconds: 2 };
});
afterAll(async () => {
  await Promise.all([site.close(), dns.close()]);
  pki.cleanup();
});

describe("resolveThreadCount", () => {
  it("is 1 when unset, one per core but one for auto, and never more than the cores", () => {
    expect(resolveThreadCount(undefined, 8)).toBe(1);
    expect(resolveThreadCount("auto", 8)).toBe(7);
    // Two cores: one thread, in-process (a pool of two cost more CPU per check and was no faster).
    expect(resolveThreadCount("auto", 2)).toBe(1);
    expect(resolveThreadCount("auto", 1)).toBe(1);
    expect(resolveThreadCount(2, 2)).toBe(2);
    expect(resolveThreadCount(4, 8)).toBe(4);
    expect(resolveThreadCount(32, 8)).toBe(8);
  });
});

describe("CheckPool", () => {
  it("gives the same results as the in-process checker for an OK site and an NXDOMAIN site", async () => {
    const inProcess = await createInProcessChecker(settings);
    const pool = await CheckPool.start(settings, 2);
    try {
      for (const t of [ok(), nxdomain()]) {
        const [here, there] = await Promise.all([inProcess(t), pool.check(t)]);
        expect(() => webCheckSchema.parse(there.check)).not.toThrow();
        expect(stable(there)).toEqual(stable(here));
      }
      const [okResult, nxResult] = await Promise.all([pool.check(ok()), pool.check(nxdomain())]);
      expect(okResult.check.verdict.accessible).toBe(true);
      expect(okResult.check.http?.status).toBe(200);
      expect(nxResult.check.verdict.accessible).toBe(false);
      expect(nxResult.check.dns[0]?.rcode).toBe("NXDOMAIN");
    } finally {
      await pool.close();
    }
  });

  it("runs checks on two threads at once, neither of them the main thread", async () => {
    const pool = await CheckPool.start(settings, 2);
    try {
      const ids = pool.stats().map((s) => s.threadId);
      expect(new Set(ids).size).toBe(2);
      expect(ids).not.toContain(mainThreadId);
      const slow = [pool.check(stalled()), pool.check(stalled())];
      // Least-busy dispatch: one stalled check on each thread, both in flight together.
      expect(pool.stats().map((s) => s.inFlight)).toEqual([1, 1]);
      const results = await Promise.all(slow);
      for (const r of results) expect(r.check.http?.failure).toBe("http_timeout");
      expect(pool.stats().map((s) => s.completed)).toEqual([1, 1]);
    } finally {
      await pool.close();
    }
  });

  it("rejects the check of a thread that died and replaces the thread", async () => {
    const pool = await CheckPool.start(settings, 2);
    try {
      const [victim, survivor] = pool.workers();
      const victimId = victim!.threadId;
      const lost = pool.check(stalled());
      const kept = pool.check(ok());
      const lostOn = pool.stats().find((s) => s.inFlight === 1 && s.threadId === victimId);
      expect(lostOn).toBeDefined();
      const lostRejected = expect(lost).rejects.toThrow(new RegExp(`check thread ${victimId} died`));
      await victim!.terminate();
      await lostRejected;
      expect((await kept).check.verdict.accessible).toBe(true);
      // The replacement is a new thread, and it checks.
      await expect.poll(() => pool.size).toBe(2);
      const ids = pool.stats().map((s) => s.threadId);
      expect(ids).not.toContain(victimId);
      expect(ids).toContain(survivor!.threadId);
      const again = await Promise.all([pool.check(ok()), pool.check(ok())]);
      for (const r of again) expect(r.check.verdict.accessible).toBe(true);
      expect(pool.stats().every((s) => s.completed >= 1)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it("close() ends the threads and rejects what is in flight and what comes after", async () => {
    const pool = await CheckPool.start(settings, 2);
    const exits = pool.workers().map((w) => new Promise<number>((resolve) => w.once("exit", resolve)));
    const inFlightRejected = expect(pool.check(stalled())).rejects.toThrow(/closed/);
    await pool.close();
    await inFlightRejected;
    expect(await Promise.all(exits)).toHaveLength(2);
    expect(pool.size).toBe(0);
    await expect(pool.check(ok())).rejects.toThrow(/closed/);
  });

  it("fails to start with a clear error when the settings cannot load", async () => {
    await expect(CheckPool.start({ ...settings, caFiles: [join(pki.dir, "missing.pem")] }, 2)).rejects.toThrow(/could not start.*missing\.pem/);
  });
});

describe("createTargetChecker with threads", () => {
  it("dispatches to a pool when threads > 1 and checks in-process by default", async () => {
    const threaded = await createTargetChecker({ ...settings, threads: 2 });
    const inProcess = await createTargetChecker(settings);
    try {
      const [a, b] = await Promise.all([threaded(ok()), inProcess(ok())]);
      expect(stable(a)).toEqual(stable(b));
      expect(a.check.verdict.accessible).toBe(true);
    } finally {
      await threaded.close();
      await inProcess.close();
    }
    await expect(threaded(ok())).rejects.toThrow(/closed/);
  });
});

describe("a threaded checker's owner", () => {
  it("exits when its checks are done even if it never calls close() (idle threads do not hold the process)", async () => {
    const script = join(pki.dir, "owner.mts");
    const checkerModule = pathToFileURL(fileURLToPath(new URL("../../src/worker/target-checker.ts", import.meta.url))).href;
    writeFileSync(script, [
      `import { createTargetChecker } from ${JSON.stringify(checkerModule)};`,
      `const checker = await createTargetChecker(${JSON.stringify({ ...settings, threads: 2 })});`,
      `const r = await checker(${JSON.stringify(ok())});`,
      "console.log(`accessible=${r.check.verdict.accessible}`);",
    ].join("\n"));
    // A hang would end in the kill after 20 s and fail the test with a signal instead of output.
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script], { cwd: process.cwd(), timeout: 20_000 });
    expect(stdout.trim()).toBe("accessible=true");
  });
});
