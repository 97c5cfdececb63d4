// The deployment topology of docker-compose.yml, natively: compiled `keepwatch serve` processes on one Redis
// and one SQLite store — two api+collector processes (agents upload to either), and two candidates for the
// singleton roles (detector, scheduler, alerts). Agents upload a regime change (whitelist-only) split across
// both APIs; the elected detector opens the incident and the alert goes out; then the leader is killed with
// SIGKILL mid-run, the other candidate takes over, and the recovery closes the same incident. Nothing may be
// lost or doubled: one incident (by id and by content), each alert event delivered once to a real webhook
// receiver, and both API ports answering the same.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/api/auth.js";
import type { Measurement } from "../../src/measurement.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { startHttpReceiver, type HttpReceiver } from "../alerts/receivers.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";

const BUILT = existsSync("dist/src/cli.js");
const WINDOW_S = 10;
const REGION = "KZ-75";
const NET = "kcell-mobile";
const PROBES = [
  { id: "p1", region: REGION, network: NET, role: "region" as const },
  { id: "p2", region: REGION, network: NET, role: "region" as const },
  { id: "c1", region: "CONTROL", network: "hosting", role: "control" as const },
];
const TARGETS = [
  ...[1, 2, 3, 4].map((i) => ({ url: `https://gov${i}.kz.test/`, list: "whitelisted" as const, category: "gov" })),
  ...[1, 2, 3, 4].map((i) => ({ url: `https://news${i}.world.test/`, list: "non_whitelisted" as const, category: "news" })),
];
const token = (probe: string) => `kwp_roles-e2e-${probe}-0123456789`;

let dir: string;
let redis: TestRedis;
let hook: HttpReceiver;
let configPath: string;
const children: ChildProcess[] = [];

interface Serve {
  name: string;
  proc: ChildProcess;
  url: string;
  exited: Promise<unknown>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kw-roles-e2e-"));
  redis = await startTestRedis();
  hook = await startHttpReceiver();
  configPath = join(dir, "keepwatch.yaml");
  writeFileSync(configPath, [
    "regions:",
    `  - { id: ${REGION}, names: { en: Almaty, ru: Алматы, kk: Алматы } }`,
    "controls:",
    "  - { id: CONTROL, name: Control abroad }",
    "networks:",
    `  - { id: ${NET}, name: Kcell, asn: 29355, kind: mobile }`,
    "  - { id: hosting, name: Hosting, asn: null, kind: unknown }",
    "probes:",
    ...PROBES.map((p) => `  - { id: ${p.id}, region: ${p.region}, network: ${p.network}, role: ${p.role}, mode: remote }`),
    "targets:",
    "  fromWhitelist: false",
    "  extra:",
    ...TARGETS.map((t) => `    - { url: '${t.url}', list: ${t.list}, category: ${t.category} }`),
    "schedule:",
    "  cron: '0 0 1 1 *'",
    "detector:",
    `  windowSeconds: ${WINDOW_S}`,
    "  baselineHours: 1",
    "  minSamples: 3",
    "  darkAfterSeconds: 3600",
    "serve:",
    "  leaderLeaseSeconds: 3",
    "alerts:",
    "  channels:",
    `    - { type: webhook, name: desk, url: '${hook.url}/hook', secret: roles-e2e-secret-0123456789, language: en }`,
    "uploads:",
    "  requestsPerMinute: 100000",
    "  measurementsPerMinute: 10000000",
    "  concurrentPerToken: 16",
    "",
  ].join("\n"));
  const data = join(dir, "data");
  mkdirSync(data, { mode: 0o700 });
  const store = new SqliteStore(join(data, "keepwatch.sqlite"));
  await store.migrate();
  for (const p of PROBES) {
    await store.saveProbeToken({ probeId: p.id, region: p.region, tokenHash: sha256Hex(token(p.id)), createdAt: new Date().toISOString(), revokedAt: null });
  }
  await store.close();
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await hook?.close();
  await redis?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function startServe(name: string, roles: string): Promise<Serve> {
  const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: redis.url, KEEPWATCH_LOG_LEVEL: "warn" };
  const proc = spawn(process.execPath, ["dist/src/cli.js", "serve", "-c", configPath, "--data", join(dir, "data"), "--port", "0", "--roles", roles], {
    env, stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(proc);
  let err = "";
  proc.stderr!.on("data", (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
  const exited = new Promise((ok) => proc.once("exit", ok));
  const url = await new Promise<string>((ok, fail) => {
    let out = "";
    proc.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /(?:KeepWatch dashboard: |health )(http:\/\/[^\s/]+)/.exec(out);
      if (m) ok(m[1]!);
    });
    proc.once("exit", (code) => fail(new Error(`${name} exited (${code}) before it listened: ${err}`)));
  });
  return { name, proc, url, exited };
}

/** Every probe measures every target once in the window starting at `startMs`. */
function window(startMs: number, whitelistOnly: boolean): Map<string, Measurement[]> {
  const out = new Map<string, Measurement[]>();
  PROBES.forEach((p, pi) => {
    out.set(p.id, TARGETS.map((t, i) => {
      const cut = whitelistOnly && p.role === "region" && t.list === "non_whitelisted";
      return fixtureMeasurement({
        probeId: p.id, role: p.role, region: p.region, network: p.network, url: t.url, list: t.list, category: t.category,
        startedAt: new Date(startMs + 500 + i * 200 + pi * 50).toISOString(),
        accessible: !cut, blocking: cut ? "tls" : null, failure: cut ? "tls_reset" : null,
      });
    }));
  });
  return out;
}

let uploadSeq = 0;
async function upload(apis: Serve[], windows: Map<string, Measurement[]>[]): Promise<number> {
  let n = 0;
  for (const w of windows) {
    for (const [probe, ms] of w) {
      const api = apis[uploadSeq++ % apis.length]!; // agents spread over both APIs
      const res = await fetch(`${api.url}/api/v1/measurements`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token(probe)}` },
        body: JSON.stringify({ measurements: ms }),
      });
      expect(res.status, await res.clone().text()).toBe(202);
      n += ms.length;
    }
  }
  return n;
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface ApiIncident { id: string; region: string; network: string | null; kind: string; status: string; startedAt: string; endedAt: string | null }
async function incidents(api: Serve): Promise<ApiIncident[]> {
  const res = await fetch(`${api.url}/api/v1/incidents?region=${REGION}&limit=100`);
  return ((await res.json()) as { incidents: ApiIncident[] }).incidents;
}
async function ready(s: Serve): Promise<{ roles: string[]; leader?: Record<string, boolean> }> {
  return (await fetch(`${s.url}/readyz`)).json() as Promise<{ roles: string[]; leader?: Record<string, boolean> }>;
}
const deliveries = () => hook.requests.map((r) => JSON.parse(r.body) as { event: { id: string; type: string }; incident: { id: string } });

describe.runIf(BUILT)("several keepwatch serve processes with --roles (compiled)", () => {
  it("fails over the detector, scheduler and alerts when their leader is SIGKILLed; nothing lost or doubled", async () => {
    const apiA = await startServe("api-a", "api,collector");
    const apiB = await startServe("api-b", "api,collector");
    const cand1 = await startServe("cand-1", "detector,scheduler,alerts");
    await until("cand-1 to lead", async () => (await ready(cand1)).leader?.detector === true);
    const cand2 = await startServe("cand-2", "detector,scheduler,alerts");
    expect(await ready(cand2)).toMatchObject({ roles: ["detector", "scheduler", "alerts"], leader: { detector: false, scheduler: false, alerts: false } });
    expect(await ready(apiA)).toMatchObject({ roles: ["api", "collector"], leader: {} });
    // A candidate serves only health and metrics; the API is the api role's.
    expect((await fetch(`${cand2.url}/api/v1/incidents`)).status).toBe(404);
    expect(await (await fetch(`${cand1.url}/metrics`)).text()).toMatch(/keepwatch_leader\{role="detector"\} 1/);

    // 40 normal windows, then the regime: non-whitelisted sites cut in the region for the last 12 windows.
    const w = WINDOW_S * 1000;
    const nowWindow = Math.floor(Date.now() / w) * w;
    const history = [];
    for (let k = 52; k >= 1; k--) history.push(window(nowWindow - k * w, k <= 12));
    await upload([apiA, apiB], history);
    const opened = await until("the incident to open", async () => (await incidents(apiA)).find((i) => i.kind === "whitelist_only"));
    expect(opened).toMatchObject({ region: REGION, network: NET, status: "open" });
    await until("the opened alert", async () => deliveries().some((d) => d.event.type === "opened"));

    // Kill the leader mid-run (the regime goes on meanwhile), then the other candidate takes over.
    const leader = (await ready(cand1)).leader?.detector ? cand1 : cand2;
    const follower = leader === cand1 ? cand2 : cand1;
    const killedAt = Date.now();
    leader.proc.kill("SIGKILL");
    await leader.exited;
    await upload([apiA, apiB], [window(nowWindow, true)]);
    await until("the follower to lead every singleton role", async () => {
      const l = (await ready(follower)).leader;
      return l?.detector === true && l.scheduler === true && l.alerts === true;
    }, 60_000);
    console.info(`roles e2e: ${follower.name} led every singleton role ${Date.now() - killedAt} ms after ${leader.name} was killed (lease 3 s)`);

    // Recovery, live: normal windows as they happen, until the new leader closes the incident.
    const closed = await until("the incident to close", async () => {
      const start = Math.floor(Date.now() / w) * w;
      await upload([apiA, apiB], [window(start, false)]);
      const i = (await incidents(apiB)).find((x) => x.id === opened.id);
      return i?.status === "closed" ? i : null;
    }, 180_000);
    await until("the closed alert", async () => deliveries().some((d) => d.event.type === "closed"));
    await new Promise((r) => setTimeout(r, 4000)); // a few more passes: anything doubled would show now

    // One incident, by id and by content; both APIs answer the same.
    const [a, b] = await Promise.all([incidents(apiA), incidents(apiB)]);
    expect(a).toEqual(b);
    expect(a.map((i) => i.id)).toEqual([opened.id]);
    expect(new Set(a.map((i) => `${i.region}|${i.network}|${i.kind}|${i.startedAt}`)).size).toBe(a.length);
    expect(closed).toMatchObject({ id: opened.id, startedAt: opened.startedAt, kind: "whitelist_only" });
    // Each alert event delivered once: one opened, one closed, no event id twice.
    const got = deliveries();
    expect(got.map((d) => d.event.id).length).toBe(new Set(got.map((d) => d.event.id)).size);
    expect(got.map((d) => `${d.event.type}:${d.incident.id}`).sort()).toEqual([`closed:${opened.id}`, `opened:${opened.id}`]);
    expect(await (await fetch(`${follower.url}/metrics`)).text()).toMatch(/keepwatch_leader\{role="detector"\} 1/);
  }, 420_000);

  it("refuses an unknown role with exit code 2 and a clear message", async () => {
    const proc = spawn(process.execPath, ["dist/src/cli.js", "serve", "-c", configPath, "--data", join(dir, "data"), "--roles", "api,detectr"], {
      env: { ...process.env, REDIS_URL: redis.url }, stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    proc.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    const code = await new Promise((ok) => proc.once("exit", ok));
    expect(code).toBe(2);
    expect(err).toContain('unknown role "detectr"');
    expect(err).toContain("api, collector, detector, scheduler, alerts");
  }, 60_000);
});
