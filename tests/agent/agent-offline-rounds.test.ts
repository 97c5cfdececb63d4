// A cut-off network as a censor leaves it: the server's address still accepts the TCP connection (or a
// middlebox does) and then nothing comes back. The agent's upload waits for its timeout; its rounds must go on
// measuring meanwhile, into the spool (the regime lab's "dark" phase relies on it: what was spooled shows what
// happened while the region was cut off).
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { Agent } from "../../src/agent/agent.js";
import { Spool } from "../../src/agent/spool.js";
import { createLogger } from "../../src/log.js";
import { createTargetChecker } from "../../src/worker/target-checker.js";

let target: Server;
let blackhole: TcpServer;
const held: Socket[] = [];
let hits = 0;
let spoolDir: string;

beforeEach(async () => {
  hits = 0;
  target = createServer((_req, res) => {
    hits += 1;
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<title>gov</title>ok");
  });
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
  blackhole = createTcpServer((s) => { held.push(s); });
  await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", r));
  spoolDir = mkdtempSync(join(tmpdir(), "kw-offline-rounds-"));
});

afterEach(async () => {
  for (const s of held.splice(0)) s.destroy();
  await new Promise<void>((r) => blackhole.close(() => r()));
  await new Promise<void>((r) => target.close(() => r()));
  rmSync(spoolDir, { recursive: true, force: true });
});

it("keeps measuring every round while its upload hangs on a server that never answers", async () => {
  const checker = await createTargetChecker({ timeoutSeconds: 5, threads: 1 });
  const spool = new Spool(spoolDir);
  const agent = new Agent({
    who: { probeId: "probe-47", role: "region", region: "KZ-47", network: { id: "kcell-mobile", asn: 29355, kind: "mobile" } },
    targets: [{ url: `http://127.0.0.1:${(target.address() as AddressInfo).port}/`, list: "whitelisted", category: "government", throughput: false }],
    checker,
    spool,
    upload: { serverUrl: `http://127.0.0.1:${(blackhole.address() as AddressInfo).port}`, token: "kw_test_token", timeoutSeconds: 60 },
    cron: "* * * * * *",
    concurrency: 1,
    log: createLogger({ name: "test-agent", level: "silent" }),
  });
  try {
    await agent.start();
    const deadline = Date.now() + 20_000;
    while (hits < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    // Four rounds measured in a row while the first upload still waits for an answer.
    expect(hits).toBeGreaterThanOrEqual(4);
    expect(held.length).toBeGreaterThanOrEqual(1);
    expect(spool.pendingCount()).toBeGreaterThanOrEqual(4);
  } finally {
    // The network comes back as a reset: the hanging upload ends and stop() returns.
    for (const s of held.splice(0)) s.destroy();
    await agent.stop();
    await checker.close();
  }
});
