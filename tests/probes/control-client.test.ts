// The helper client against real loopback servers playing helpers that work, fail, lie, flood or stall: it
// never throws, tries the next helper, stays within its budget, and rests a helper that failed.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createControlClient } from "../../probes/control-client.js";
import { CONTROL_PROTOCOL_VERSION, type ControlAnswer } from "../../probes/control-types.js";

const ANSWER: ControlAnswer = {
  version: CONTROL_PROTOCOL_VERSION, url: "http://site.test/", dns: { resolver: "system", addresses: ["192.0.2.1"], failure: null },
  endpoints: [], http: null, refusals: [], time: 0.1, budgetSeconds: 15,
};

type Behaviour = "ok" | "500" | "429" | "garbage" | "huge" | "stall" | "wrong-shape";

interface FakeHelper {
  url: string;
  hits: number;
  bodies: unknown[];
  auth: (string | undefined)[];
  close(): void;
}

async function fakeHelper(behaviour: Behaviour): Promise<FakeHelper> {
  const h = { hits: 0, bodies: [] as unknown[], auth: [] as (string | undefined)[] } as FakeHelper;
  const server = http.createServer((req, res) => {
    h.hits++;
    h.auth.push(req.headers.authorization);
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      h.bodies.push(JSON.parse(body));
      if (behaviour === "ok") return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(ANSWER));
      if (behaviour === "500") return res.writeHead(500).end("{}");
      if (behaviour === "429") return res.writeHead(429, { "retry-after": "120" }).end("{}");
      if (behaviour === "garbage") return res.writeHead(200).end("<html>captive portal</html>");
      if (behaviour === "wrong-shape") return res.writeHead(200).end(JSON.stringify({ ...ANSWER, version: 2 }));
      if (behaviour === "huge") return res.writeHead(200).end(JSON.stringify({ ...ANSWER, refusals: ["x".repeat(512 * 1024)] }));
      // stall: never answer
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  h.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/control`;
  h.close = () => server.close() && server.closeAllConnections();
  return h;
}

const helpers: Partial<Record<Behaviour, FakeHelper>> = {};
beforeAll(async () => {
  for (const b of ["ok", "500", "429", "garbage", "huge", "stall", "wrong-shape"] as const) helpers[b] = await fakeHelper(b);
});
afterAll(() => Object.values(helpers).forEach((h) => h.close()));
const h = (b: Behaviour) => helpers[b]!;
const query = { url: "http://site.test/", addresses: ["192.0.2.1"] };

describe("control client", () => {
  it("asks with the probe's addresses, its token and its remaining time", async () => {
    const client = createControlClient([{ url: h("ok").url, token: "kwp_t" }]);
    const r = await client(query, { seconds: 5 });
    expect(r).toEqual({ helper: h("ok").url, answer: ANSWER });
    expect(h("ok").auth.at(-1)).toBe("Bearer kwp_t");
    expect(h("ok").bodies.at(-1)).toMatchObject({ url: "http://site.test/", addresses: ["192.0.2.1"] });
    expect((h("ok").bodies.at(-1) as { timeoutSeconds: number }).timeoutSeconds).toBeLessThan(5);
  });

  it("tries the next helper after a 500, a portal page, a wrong shape, an oversize answer or a refused port", async () => {
    const client = createControlClient([
      { url: h("500").url }, { url: h("garbage").url }, { url: h("wrong-shape").url }, { url: h("huge").url },
      { url: "http://127.0.0.1:1/api/v1/control" }, { url: h("ok").url },
    ]);
    const r = await client(query, { seconds: 5 });
    expect(r?.helper).toBe(h("ok").url);
  });

  it("gives up within its budget when a helper stalls, and resolves null instead of throwing", async () => {
    const client = createControlClient([{ url: h("stall").url }, { url: h("ok").url }]);
    const before = h("ok").hits;
    expect(await client(query, { seconds: 1 })).toBeNull(); // the stall ate the budget; no time left for the next
    expect(h("ok").hits).toBe(before);
    // Too slow once, rested after: the next check goes straight to the next helper (a shutdown does not make
    // every check wait out its budget on a helper that cannot be reached).
    const stalled = h("stall").hits;
    expect((await client(query, { seconds: 1 }))?.helper).toBe(h("ok").url);
    expect(h("stall").hits).toBe(stalled);
  });

  it("rests a failed helper for its cool-down (or its Retry-After), then asks it again", async () => {
    let clock = 1_000_000;
    const client = createControlClient([{ url: h("500").url }, { url: h("429").url }, { url: h("ok").url }], { coolDownSeconds: 30, now: () => clock });
    const [f500, f429] = [h("500").hits, h("429").hits];
    await client(query, { seconds: 5 });
    await client(query, { seconds: 5 });
    expect([h("500").hits - f500, h("429").hits - f429]).toEqual([1, 1]);
    clock += 31_000; // past the cool-down, not past the 429's Retry-After: 120
    await client(query, { seconds: 5 });
    expect([h("500").hits - f500, h("429").hits - f429]).toEqual([2, 1]);
    clock += 120_000;
    await client(query, { seconds: 5 });
    expect([h("500").hits - f500, h("429").hits - f429]).toEqual([3, 2]);
  });

  it("takes a budget of fractional seconds, as a check's deadline leaves it", async () => {
    const client = createControlClient([{ url: h("ok").url }]);
    expect((await client(query, { seconds: 2.7183 }))?.helper).toBe(h("ok").url);
  });

  it("stops at once when the check is cancelled, without holding it against the helper", async () => {
    const client = createControlClient([{ url: h("stall").url }]);
    const abort = new AbortController();
    const pending = client(query, { seconds: 30, signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    expect(await pending).toBeNull();
    const stalled = h("stall").hits;
    const again = new AbortController();
    const second = client(query, { seconds: 30, signal: again.signal });
    setTimeout(() => again.abort(), 300);
    await second;
    expect(h("stall").hits).toBe(stalled + 1); // asked again: a cancelled check did not rest it
  });
});
