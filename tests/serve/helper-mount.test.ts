// The test helper mounted inside `keepwatch serve` (helper.enabled): the same app on the main server, with
// the store's probe tokens, so a token revoked with the admin API stops working at once.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlAnswerSchema } from "../../probes/control-types.js";
import { sha256Hex } from "../../src/api/auth.js";
import { configSchema } from "../../src/config/schema.js";
import { startServer, type RunningServer } from "../../src/serve/server.js";
import { startTestHttpServer, type TestHttpServer } from "../helpers/http-servers.js";

const TOKEN = "kwp_serve-mounted-helper";
let dir: string;
let server: RunningServer;
let site: TestHttpServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kw-serve-helper-"));
  site = await startTestHttpServer({ address: "127.0.0.2" });
  const config = configSchema.parse({
    dataDir: dir,
    targets: { fromWhitelist: false },
    server: { port: 0 },
    helper: { enabled: true, allowRanges: ["127.0.0.2/32"] },
  });
  server = await startServer({ config, log: pino({ level: "silent" }), schedule: false });
  await server.store.saveProbeToken({ probeId: "almaty-1", region: "KZ-75", tokenHash: sha256Hex(TOKEN), createdAt: new Date().toISOString(), revokedAt: null });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await site?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ask = (token: string) => fetch(`${server.url}/api/v1/control`, {
  method: "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: JSON.stringify({ url: `http://127.0.0.2:${site.port}/`, addresses: ["127.0.0.1"] }),
});

describe("helper mounted in serve", () => {
  it("answers a probe with a store token and refuses it once revoked", async () => {
    const ok = await ask(TOKEN);
    expect(ok.status).toBe(200);
    const a = controlAnswerSchema.parse(await ok.json());
    expect(a.http?.status).toBe(200);
    expect(a.endpoints.find((e) => e.address === "127.0.0.1")?.refused).toBe(true);
    await server.store.revokeProbeToken("almaty-1", new Date());
    expect((await ask(TOKEN)).status).toBe(401);
  });
});
