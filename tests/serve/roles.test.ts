// startServer with some roles, in-process, on a real Redis and SQLite: what a process without the api role
// serves, that partial roles refuse to start their own Redis, and a graceful handover of the singleton
// roles between two candidates (the SIGKILL failover is tests/e2e/roles.test.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RolesError } from "../../src/config/roles.js";
import { configSchema } from "../../src/config/schema.js";
import { startServer, type RunningServer } from "../../src/serve/server.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";

const log = pino({ level: "silent" });
let redis: TestRedis;
let dir: string;
const servers: RunningServer[] = [];
const config = configSchema.parse({
  regions: [{ id: "KZ-47", names: { kk: "Маңғыстау", ru: "Мангистауская", en: "Mangystau" }, networks: ["kcell-mobile"] }],
  networks: [{ id: "kcell-mobile", name: "Kcell", asn: 29355, kind: "mobile" }],
  targets: { fromWhitelist: false, extra: [{ url: "https://example.test/", list: "whitelisted", category: "gov" }] },
  schedule: { cron: "0 0 1 1 *" },
  detector: { windowSeconds: 10 },
  serve: { leaderLeaseSeconds: 60 },
});

beforeAll(async () => {
  redis = await startTestRedis();
  dir = mkdtempSync(join(tmpdir(), "kw-serve-roles-"));
});
afterAll(async () => {
  for (const s of servers) await s.stop();
  await redis.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function start(roles: RunningServer["roles"]): Promise<RunningServer> {
  const s = await startServer({ config, dataDir: join(dir, "data"), port: 0, redisUrl: redis.url, roles, log });
  servers.push(s);
  return s;
}

async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("startServer with --roles", () => {
  it("refuses to run only some roles on a private Redis nobody else can reach", async () => {
    const env = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    try {
      await expect(startServer({ config, dataDir: join(dir, "alone"), port: 0, roles: ["api"], log })).rejects.toThrow(RolesError);
      await expect(startServer({ config, dataDir: join(dir, "alone"), port: 0, roles: ["api"], log })).rejects.toThrow(/REDIS_URL or redis.url/);
    } finally {
      if (env !== undefined) process.env.REDIS_URL = env;
    }
  });

  it("a process without api serves health and metrics only; two candidates hand the singleton roles over on stop", async () => {
    const first = await start(["detector", "scheduler", "alerts"]);
    await until("the first candidate to lead", () => first.leases.detector?.leading === true && first.leases.alerts?.leading === true);
    const second = await start(["detector", "scheduler", "alerts"]);
    const ready = await (await fetch(`${second.url}/readyz`)).json() as { roles: string[]; leader: Record<string, boolean> };
    expect(ready).toMatchObject({ roles: ["detector", "scheduler", "alerts"], leader: { detector: false, scheduler: false, alerts: false } });
    expect((await fetch(`${second.url}/livez`)).status).toBe(200);
    expect((await fetch(`${second.url}/api/v1/regions`)).status).toBe(404);
    const metrics = await (await fetch(`${first.url}/metrics`)).text();
    expect(metrics).toMatch(/keepwatch_leader\{role="detector"\} 1/);
    expect(metrics).toMatch(/keepwatch_role\{role="alerts"\} 1/);
    expect(metrics).not.toMatch(/keepwatch_role\{role="api"\}/);

    const firstToken = first.leases.detector!.token!;
    await first.stop(); // releases its leases: no 60 s wait
    servers.splice(servers.indexOf(first), 1);
    await until("the second candidate to lead", () => second.leases.detector?.leading === true
      && second.leases.scheduler?.leading === true && second.leases.alerts?.leading === true);
    expect(second.leases.detector!.token).toBeGreaterThan(firstToken);
    expect(await second.leases.detector!.confirm()).toBe(true);
  }, 120_000);
});
