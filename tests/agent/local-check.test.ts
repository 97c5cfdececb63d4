// The agent's local connectivity check, on loopback only: a gateway that answers (even by refusing), no
// default route, a resolver that answers, one that never does; and what the server does with such rounds.
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLocal, defaultGateway, firstNameserver } from "../../src/agent/local-check.js";
import { isLocalFailure, measurementSchema } from "../../src/measurement.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";

const HEADER = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";
// 127.0.0.1 little-endian = 0100007F; flags 0003 = UP | GATEWAY.
const VIA_LOOPBACK = `${HEADER}lo\t00000000\t0100007F\t0003\t0\t0\t0\t00000000\t0\t0\t0\n`;
const NO_DEFAULT = `${HEADER}lo\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n`;
const DIRECT = `${HEADER}ppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n`;

let dir: string;
let tcp: Server;
let answering: UdpSocket;
let silent: UdpSocket;
let tcpPort: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kw-local-"));
  tcp = createServer((s) => s.end());
  await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
  tcpPort = (tcp.address() as { port: number }).port;
  answering = createSocket("udp4");
  answering.on("message", (msg, from) => {
    const reply = Buffer.from(msg);
    reply[2] = 0x81; reply[3] = 0x85; // QR, REFUSED: any answer counts
    answering.send(reply, from.port, from.address);
  });
  silent = createSocket("udp4");
  await Promise.all([answering, silent].map((s) => new Promise<void>((r) => s.bind(0, "127.0.0.1", r))));
});

afterAll(() => {
  tcp.close();
  answering.close();
  silent.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("local connectivity check", () => {
  it("reads the default route and the first nameserver", () => {
    expect(defaultGateway(VIA_LOOPBACK)).toBe("127.0.0.1");
    expect(defaultGateway(NO_DEFAULT)).toBeNull();
    expect(defaultGateway(DIRECT)).toBe("direct");
    expect(firstNameserver("# x\nsearch lan\nnameserver 127.0.0.53\nnameserver 9.9.9.9\n")).toBe("127.0.0.53");
  });

  it("ok when the gateway answers (a listener or a refusal) and the resolver answers (even REFUSED)", async () => {
    const ans = `127.0.0.1:${(answering.address()).port}`;
    expect(await checkLocal({ routeFile: file("r1", VIA_LOOPBACK), gatewayPort: tcpPort, resolver: ans, timeoutMs: 1000 }))
      .toEqual({ gateway: "ok", resolver: "ok" });
    // Port 1 on loopback refuses: the gateway is there all the same.
    expect((await checkLocal({ routeFile: file("r2", VIA_LOOPBACK), gatewayPort: 1, resolver: ans, timeoutMs: 1000 })).gateway).toBe("ok");
  });

  it("no default route, a resolver that never answers: both fail within the deadline, never throw", async () => {
    const quiet = `127.0.0.1:${(silent.address()).port}`;
    const r = await checkLocal({ routeFile: file("r3", NO_DEFAULT), resolver: quiet, timeoutMs: 300 });
    expect(r).toEqual({ gateway: "none", resolver: "unreachable" });
    expect(isLocalFailure({ local: r })).toBe(true);
    // No resolver configured anywhere and no routing table to read (not Linux): unknown, not a failure.
    const unknown = await checkLocal({ routeFile: join(dir, "missing"), resolvConf: join(dir, "missing"), timeoutMs: 300 });
    expect(unknown).toEqual({ gateway: "unknown", resolver: "none" });
    expect(isLocalFailure({ local: unknown })).toBe(false);
  });

  it("the store keeps a local-failure measurement but counts it nowhere (rollups, last seen, facts)", async () => {
    const store = new SqliteStore(join(dir, "kw.db"));
    await store.migrate();
    const at = "2026-01-05T00:00:30.000Z";
    const bad = measurementSchema.parse({ ...fixtureMeasurement({ probeId: "m1", startedAt: at, accessible: false, failure: "tcp_timeout" }), local: { gateway: "unreachable", resolver: "unreachable" } });
    expect(await store.insertMeasurements([bad])).toEqual({ inserted: 1, duplicates: 0 });
    expect((await store.getMeasurement(bad.id))?.local).toEqual({ gateway: "unreachable", resolver: "unreachable" });
    const q = { since: new Date("2026-01-05T00:00:00Z"), until: new Date("2026-01-05T01:00:00Z") };
    expect(await store.targetStats({ ...q, bucketSeconds: 60 })).toEqual([]);
    expect(await store.targetStats({ ...q, bucketSeconds: 10 })).toEqual([]);
    expect(await store.lastSeen()).toEqual([]);
    expect(await store.measurementFacts(q)).toEqual([]);
    await store.close();
  });
});
