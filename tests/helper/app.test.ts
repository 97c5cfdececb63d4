// The test helper over real sockets, attacked as a stranger would: no token, a wrong or revoked one, a flood,
// a huge body, and every way to make it connect where it must not (loopback, private, metadata, a decimal
// host, a redirect or a DNS answer pointing home, addresses handed in by the probe). Each refused case is
// proven with a listening socket on the forbidden address that must see no connection at all.
// The lab's "public" site lives on 127.0.0.2, let through by allowRanges as an operator would a lab range.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlAnswerSchema, type ControlAnswer } from "../../probes/control-types.js";
import { sha256Hex } from "../../src/api/auth.js";
import { helperConfigSchema } from "../../src/config/schema.js";
import { helperApp, helperDeps } from "../../src/helper/app.js";
import { anyTokenSource, configuredTokens, storeTokens } from "../../src/helper/tokens.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { startDnsServer, type TestDnsServer } from "../helpers/dns-server.js";
import { PAGE_TITLE, startTestHttpServer, type TestHttpServer } from "../helpers/http-servers.js";
import { finerThanMicroseconds, fractionalNumbers } from "../helpers/timings.js";

const TOKEN = "kwp_helper-test-token-configured";
const STORE_TOKEN = "kwp_helper-test-token-in-the-store";

interface Trap {
  address: string;
  connections: number;
  server: Server;
}

/** A listener on a forbidden address that counts every connection it is offered. */
async function trap(address: string, port: number): Promise<Trap> {
  const t: Trap = { address, connections: 0, server: createServer((s) => { t.connections++; s.destroy(); }) };
  await new Promise<void>((ok, fail) => t.server.once("error", fail).listen(port, address, ok));
  return t;
}

interface RunningHelper {
  url: string;
  server: ServerType;
}

async function startHelper(overrides: Record<string, unknown>, tokens = configuredTokens([sha256Hex(TOKEN)])): Promise<RunningHelper> {
  const config = helperConfigSchema.parse({ resolver: dns.resolver, allowRanges: ["127.0.0.2/32"], tokenHashes: [sha256Hex(TOKEN)],
    rateLimit: { perMinute: 6000, burst: 1000 }, ...overrides });
  const app = helperApp(helperDeps(config, tokens), (err) => { throw err; });
  return new Promise((ok) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => ok({ url: `http://127.0.0.1:${info.port}/api/v1/control`, server }));
  });
}

let dns: TestDnsServer;
let site: TestHttpServer;
let v4trap: Trap;
let v6trap: Trap;
let helper: RunningHelper;
let dir: string;
let store: SqliteStore;

beforeAll(async () => {
  dns = await startDnsServer();
  site = await startTestHttpServer({ address: "127.0.0.2" });
  // The traps share the site's port: a URL or an address on that port is exactly what an attacker would aim.
  v4trap = await trap("127.0.0.1", site.port);
  v6trap = await trap("::1", site.port);
  dns.set("site.test", { A: ["127.0.0.2"] });
  dns.set("home.test", { A: ["127.0.0.1"] });
  dns.set("rebind.test", { A: ["10.0.0.7", "127.0.0.1"] });
  helper = await startHelper({});
  dir = mkdtempSync(join(tmpdir(), "kw-helper-"));
  store = new SqliteStore(join(dir, "kw.db"));
  await store.migrate();
});

afterAll(async () => {
  helper.server.close();
  await Promise.all([dns.close(), site.close(), store.close()]);
  v4trap.server.close();
  v6trap.server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ask(body: unknown, token: string | null = TOKEN, to = helper.url): Promise<{ status: number; json: unknown; headers: Headers }> {
  const res = await fetch(to, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

const answerOf = (json: unknown): ControlAnswer => controlAnswerSchema.parse(json);
const untouched = () => expect(v4trap.connections + v6trap.connections).toBe(0);

describe("test helper: what it sees", () => {
  it("answers with its DNS, every endpoint's connect and the page, as oohelperd", async () => {
    const r = await ask({ url: `http://site.test:${site.port}/`, addresses: ["127.0.0.2"] });
    expect(r.status).toBe(200);
    const a = answerOf(r.json);
    expect(a.dns).toMatchObject({ addresses: ["127.0.0.2"], failure: null });
    expect(a.endpoints).toEqual([expect.objectContaining({ address: "127.0.0.2", port: site.port, source: "both", refused: false, tcp: expect.objectContaining({ failure: null }) })]);
    expect(a.http).toMatchObject({ status: 200, failure: null, title: PAGE_TITLE, bodyTruncated: false });
    expect(a.http?.bodyLength).toBeGreaterThan(0);
    expect(a.http?.bodySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.http?.headerNames).toContain("x-cache");
    expect(a.refusals).toEqual([]);
    // Its time and every connect time to the microsecond, as a probe's own (probes/duration.ts).
    expect(finerThanMicroseconds(a)).toEqual([]);
    expect(fractionalNumbers([a.time, a.endpoints[0]?.tcp?.connectTime])).toBe(2);
  });

  it("follows redirects on allowed addresses and reports the chain", async () => {
    const a = answerOf((await ask({ url: `http://site.test:${site.port}/chain/2`, addresses: [] })).json);
    expect(a.http?.status).toBe(200);
    expect(a.http?.redirects.map((h) => h.status)).toEqual([302, 302, 200]);
  });
});

describe("test helper: who may ask", () => {
  it("refuses a request without a token, with a wrong token, and with a revoked store token", async () => {
    const body = { url: `http://site.test:${site.port}/`, addresses: [] };
    const none = await ask(body, null);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect((await ask(body, "kwp_wrong")).status).toBe(401);

    await store.saveProbeToken({ probeId: "almaty-1", region: "KZ-75", tokenHash: sha256Hex(STORE_TOKEN), createdAt: new Date().toISOString(), revokedAt: null });
    const inServe = await startHelper({}, anyTokenSource([storeTokens(store), configuredTokens([])]));
    try {
      expect((await ask(body, STORE_TOKEN, inServe.url)).status).toBe(200);
      await store.revokeProbeToken("almaty-1", new Date());
      const revoked = await ask(body, STORE_TOKEN, inServe.url);
      expect(revoked.status).toBe(401);
      expect(revoked.json).toEqual({ error: { code: "unauthorized", message: "invalid or revoked probe token" } });
    } finally {
      inServe.server.close();
    }
  });

  it("rate-limits each token with 429 and Retry-After, without measuring", async () => {
    const limited = await startHelper({ rateLimit: { perMinute: 1, burst: 2 } });
    try {
      const body = { url: `http://site.test:${site.port}/whoami`, addresses: [] };
      const before = site.requests.length;
      expect((await ask(body, TOKEN, limited.url)).status).toBe(200);
      expect((await ask(body, TOKEN, limited.url)).status).toBe(200);
      const third = await ask(body, TOKEN, limited.url);
      expect(third.status).toBe(429);
      expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(site.requests.length - before).toBe(2);
    } finally {
      limited.server.close();
    }
  });
});

describe("test helper: bad requests get a clear 400/413", () => {
  it.each([
    [{ url: "ftp://site.test/" }, /scheme ftp: refused/],
    [{ url: "file:///etc/passwd" }, /scheme file: refused/],
    [{ url: "http://user:pw@site.test/" }, /credentials/],
    [{ url: "not a url" }, /not a URL/],
    [{ url: "http://site.test/", addresses: ["127.0.0.2:80"] }, /addresses/],
    [{ url: "http://site.test/", extra: 1 }, /extra|Unrecognized/i],
    [{ addresses: [] }, /url/],
  ])("%j", async (body, message) => {
    const r = await ask(body);
    expect(r.status).toBe(400);
    expect((r.json as { error: { message: string } }).error.message).toMatch(message);
  });

  it("refuses a body over the cap with 413 before parsing it", async () => {
    const r = await ask(JSON.stringify({ url: "http://site.test/", addresses: [], pad: "x".repeat(64 * 1024) }));
    expect(r.status).toBe(413);
  });

  it("answers within its time budget when the site stalls", async () => {
    const short = await startHelper({ budgetSeconds: 1 });
    try {
      const a = answerOf((await ask({ url: `http://site.test:${site.port}/stall`, addresses: [] }, TOKEN, short.url)).json);
      expect(a.budgetSeconds).toBe(1);
      expect(a.http?.status).toBeNull();
      expect(a.http?.failure).not.toBeNull();
      expect(a.time).toBeLessThan(10); // bounded: not the 10 s a stalled GET would take
    } finally {
      short.server.close();
    }
  });

  it("takes the probe's shorter deadline over its own budget", async () => {
    const a = answerOf((await ask({ url: `http://site.test:${site.port}/stall`, addresses: [], timeoutSeconds: 0.5 })).json);
    expect(a.budgetSeconds).toBe(0.5);
    expect(a.http?.failure).not.toBeNull();
  });

  it("answers 503 past its in-flight cap instead of queueing work", async () => {
    const one = await startHelper({ maxConcurrent: 1, budgetSeconds: 2 });
    try {
      const slow = ask({ url: `http://site.test:${site.port}/stall`, addresses: [] }, TOKEN, one.url);
      await new Promise((ok) => setTimeout(ok, 300)); // let the first one start measuring
      const busy = await ask({ url: `http://site.test:${site.port}/`, addresses: [] }, TOKEN, one.url);
      expect(busy.status).toBe(503);
      expect((await slow).status).toBe(200);
      expect((await ask({ url: `http://site.test:${site.port}/`, addresses: [] }, TOKEN, one.url)).status).toBe(200);
    } finally {
      one.server.close();
    }
  });

  it("reads bodies only up to its cap", async () => {
    const capped = await startHelper({ maxBodyBytes: 4096 });
    try {
      const a = answerOf((await ask({ url: `http://site.test:${site.port}/huge`, addresses: [] }, TOKEN, capped.url)).json);
      expect(a.http).toMatchObject({ status: 200, bodyLength: 4096, bodyTruncated: true });
    } finally {
      capped.server.close();
    }
  });
});

describe("test helper: SSRF — never connects where it must not", () => {
  it.each([
    [`http://127.0.0.1:PORT/`, /127\.0\.0\.1 is loopback/],
    [`http://10.1.2.3:PORT/`, /10\.1\.2\.3 is private/],
    [`http://[::1]:PORT/`, /::1 is loopback/],
    [`http://169.254.169.254/latest/meta-data/`, /169\.254\.169\.254 is link-local/],
    [`http://2130706433:PORT/`, /127\.0\.0\.1 is loopback/],
    [`http://0x7f.1:PORT/`, /127\.0\.0\.1 is loopback/],
    [`http://[::ffff:127.0.0.1]:PORT/`, /IPv4-mapped/],
    [`http://100.64.0.1/`, /CGNAT/],
    [`http://224.0.0.1/`, /multicast/],
    [`http://192.0.2.1/`, /documentation/],
    [`https://0.0.0.0:PORT/`, /unspecified/],
  ])("refuses %s with 400", async (url, message) => {
    const r = await ask({ url: url.replace("PORT", String(site.port)), addresses: [] });
    expect(r.status).toBe(400);
    expect((r.json as { error: { message: string } }).error.message).toMatch(message);
    untouched();
  });

  it("reports a name that resolves to loopback but connects to nothing", async () => {
    const a = answerOf((await ask({ url: `http://home.test:${site.port}/`, addresses: [] })).json);
    expect(a.dns?.addresses).toEqual(["127.0.0.1"]);
    expect(a.endpoints).toEqual([expect.objectContaining({ address: "127.0.0.1", refused: true, tcp: null })]);
    expect(a.http).toBeNull();
    expect(a.refusals.join(" ")).toMatch(/127\.0\.0\.1 is loopback/);
    untouched();
  });

  it("never connects to private addresses a probe hands in, and still measures the allowed ones", async () => {
    const a = answerOf((await ask({ url: `http://site.test:${site.port}/`, addresses: ["127.0.0.1", "::1", "10.0.0.1", "169.254.169.254", "127.0.0.2"] })).json);
    const refused = a.endpoints.filter((e) => e.refused).map((e) => e.address).sort();
    expect(refused).toEqual(["10.0.0.1", "127.0.0.1", "169.254.169.254", "::1"]);
    expect(a.endpoints.find((e) => e.address === "127.0.0.2")?.tcp?.failure).toBeNull();
    expect(a.http?.status).toBe(200);
    untouched();
  });

  it("does not follow a redirect to loopback, by literal or by name, nor a name with mixed answers", async () => {
    for (const to of [`http://127.0.0.1:${site.port}/`, `http://[::1]:${site.port}/`, `http://home.test:${site.port}/`, `http://2130706433:${site.port}/`]) {
      const a = answerOf((await ask({ url: `http://site.test:${site.port}/redirect?to=${encodeURIComponent(to)}`, addresses: [] })).json);
      expect(a.http?.failure, to).toBe("refused_address");
      expect(a.http?.redirects.at(-1)?.status, to).toBeNull();
      expect(a.refusals.join(" "), to).toMatch(/loopback/);
    }
    // A name answering private and loopback addresses only: nothing to connect to, the hop is refused.
    const a = answerOf((await ask({ url: `http://site.test:${site.port}/redirect?to=${encodeURIComponent(`http://rebind.test:${site.port}/`)}`, addresses: [] })).json);
    expect(a.http?.failure).toBe("refused_address");
    untouched();
  });

  it("lets a lab range through only when the operator allows it", async () => {
    const strict = await startHelper({ allowRanges: [] });
    try {
      const r = await ask({ url: `http://127.0.0.2:${site.port}/`, addresses: [] }, TOKEN, strict.url);
      expect(r.status).toBe(400);
      const a = answerOf((await ask({ url: `http://site.test:${site.port}/`, addresses: [] }, TOKEN, strict.url)).json);
      expect(a.http).toBeNull();
      expect(a.endpoints[0]?.refused).toBe(true);
    } finally {
      strict.server.close();
    }
    const allowed = answerOf((await ask({ url: `http://127.0.0.2:${site.port}/`, addresses: [] })).json);
    expect(allowed.dns).toBeNull();
    expect(allowed.http?.status).toBe(200);
    untouched();
  });
});
