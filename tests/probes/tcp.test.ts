import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, createServer, type Server, type Socket } from "node:net";
import { Worker } from "node:worker_threads";
import { classifyTcpError, connectTcp, openTcp, probeTcp } from "../../probes/tcp.js";
import { durationSeconds } from "../../probes/duration.js";
import { tcpResultSchema } from "../../probes/types.js";
import { NetLab, netnsAvailable } from "../helpers/netns.js";

async function listen(server: Server, host = "127.0.0.1"): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return addr.port;
}

async function closedPort(host = "127.0.0.1"): Promise<number> {
  const s = createServer();
  const port = await listen(s, host);
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * A listener whose accept queue is full: it lives in a worker thread that blocks its event loop right after
 * listen(), so nothing is ever accepted; once the kernel's queue holds `backlog` connections, further SYNs
 * are dropped and a connect hangs exactly as behind a firewall that drops packets.
 */
async function startBlackholeListener(): Promise<{ port: number; stop: () => Promise<number> }> {
  const worker = new Worker(`
    const { createServer } = require("node:net");
    const { parentPort } = require("node:worker_threads");
    const server = createServer();
    server.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
      parentPort.postMessage(server.address().port);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    });`, { eval: true });
  const port = await new Promise<number>((resolve) => worker.once("message", resolve));
  return { port, stop: () => worker.terminate() };
}

/** Connects until one connect does not complete within `waitMs`: from then on the queue is full. */
async function fillAcceptQueue(port: number, waitMs: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < 64; i++) {
    const socket = connect({ host: "127.0.0.1", port });
    sockets.push(socket);
    socket.on("error", () => {});
    const completed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), waitMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!completed) return sockets;
  }
  throw new Error("accept queue never filled");
}

describe("probeTcp on loopback", () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((s) => s.end());
    port = await listen(server);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("connects and records the connect time", async () => {
    const r = tcpResultSchema.parse(await probeTcp({ host: "127.0.0.1", port }, { timeoutSeconds: 2 }));
    expect(r).toMatchObject({ address: "127.0.0.1", port, failure: null });
    expect(r.connectTime).not.toBeNull();
  });

  it("reports tcp_refused for a closed port", async () => {
    const closed = await closedPort();
    const r = await probeTcp({ host: "127.0.0.1", port: closed }, { timeoutSeconds: 2 });
    expect(r).toEqual({ address: "127.0.0.1", port: closed, failure: "tcp_refused", connectTime: null });
  });

  it("reports tcp_timeout when SYNs are dropped (full accept queue)", async () => {
    const blackhole = await startBlackholeListener();
    const held = await fillAcceptQueue(blackhole.port, 300);
    try {
      const r = await probeTcp({ host: "127.0.0.1", port: blackhole.port }, { timeoutSeconds: 0.5 });
      expect(r).toEqual({ address: "127.0.0.1", port: blackhole.port, failure: "tcp_timeout", connectTime: null });
    } finally {
      for (const s of held) s.destroy();
      await blackhole.stop();
    }
  });

  it("ends like a timeout when the caller aborts", async () => {
    const blackhole = await startBlackholeListener();
    const held = await fillAcceptQueue(blackhole.port, 300);
    try {
      const controller = new AbortController();
      const pending = probeTcp({ host: "127.0.0.1", port: blackhole.port }, { timeoutSeconds: 30, signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      expect((await pending).failure).toBe("tcp_timeout");
    } finally {
      for (const s of held) s.destroy();
      await blackhole.stop();
    }
  });

  it("classifies a real connection reset as tcp_reset", async () => {
    // On Linux connect() completes before the server can reset, so the reset is observed on the open
    // socket: openTcp hands it over and the RST arrives as the socket's error.
    const resetter = createServer((s) => s.resetAndDestroy());
    const rport = await listen(resetter);
    try {
      const opened = await openTcp({ host: "127.0.0.1", port: rport }, { timeoutSeconds: 2 });
      const failure = opened.ok
        ? await new Promise((resolve) => {
          opened.socket.on("error", (e) => resolve(classifyTcpError(e)));
          opened.socket.on("close", () => resolve("closed without error"));
          opened.socket.write("x");
        })
        : opened.failure; // some stacks (gVisor) deliver the RST before connect() returns
      expect(failure).toBe("tcp_reset");
    } finally {
      await new Promise<void>((resolve) => resetter.close(() => resolve()));
    }
  });

  it("connectTcp keeps the measured connection open when asked, and only then", async () => {
    const kept = await connectTcp({ host: "127.0.0.1", port }, { timeoutSeconds: 2, keepSocket: true });
    try {
      expect(kept.tcp).toMatchObject({ address: "127.0.0.1", port, failure: null });
      const c = kept.connection!;
      expect(c.socket.destroyed).toBe(false);
      expect([c.socket.remoteAddress, c.socket.remotePort]).toEqual(["127.0.0.1", port]);
      expect(c.tlsDone).toBeNull();
      // The result's connect time is the one of this very connection.
      expect(kept.tcp.connectTime).toBe(durationSeconds(c.tcpStart, c.tcpDone));
      // The server ends every connection at once: a kept socket that sees it close does not throw.
      await new Promise((resolve) => c.socket.once("end", resolve).resume());
    } finally {
      kept.connection?.socket.destroy();
    }
    expect((await connectTcp({ host: "127.0.0.1", port }, { timeoutSeconds: 2 })).connection).toBeNull();
    const refused = await connectTcp({ host: "127.0.0.1", port: await closedPort() }, { timeoutSeconds: 2, keepSocket: true });
    expect(refused).toMatchObject({ tcp: { failure: "tcp_refused", connectTime: null }, connection: null });
  });

  it("maps errno codes to failure classes", () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(classifyTcpError(err("ECONNREFUSED"))).toBe("tcp_refused");
    expect(classifyTcpError(err("ECONNRESET"))).toBe("tcp_reset");
    expect(classifyTcpError(err("ETIMEDOUT"))).toBe("tcp_timeout");
    expect(classifyTcpError(err("EHOSTUNREACH"))).toBe("tcp_unreachable");
    expect(classifyTcpError(err("ENETUNREACH"))).toBe("tcp_unreachable");
    expect(classifyTcpError(err("EPROTO"))).toBe("tcp_error");
    expect(classifyTcpError(null)).toBe("tcp_error");
  });

  it("rejects targets that are not IP addresses", async () => {
    await expect(probeTcp({ host: "example.com", port: 80 }, { timeoutSeconds: 1 })).rejects.toThrow(TypeError);
    await expect(probeTcp({ host: "127.0.0.1", port: 0 }, { timeoutSeconds: 1 })).rejects.toThrow(TypeError);
  });
});

describe("probeTcp over IPv6 loopback", () => {
  it("connects to [::1] and reports refused on a closed port", async (ctx) => {
    const server = createServer((s) => s.end());
    let port: number;
    try {
      port = await listen(server, "::1");
    } catch {
      return ctx.skip();
    }
    try {
      expect(await probeTcp({ host: "[::1]", port }, { timeoutSeconds: 2 })).toMatchObject({ address: "::1", failure: null });
      const closed = await closedPort("::1");
      expect(await probeTcp({ host: "::1", port: closed }, { timeoutSeconds: 2 })).toMatchObject({ failure: "tcp_refused" });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe.runIf(netnsAvailable())("probeTcp against a namespace host", () => {
  const lab = new NetLab();
  afterAll(() => lab.cleanup());

  it("reports tcp_unreachable for ICMP host-unreachable and tcp_timeout for dropped SYNs", async () => {
    const host = lab.addHost("tcp");
    lab.iptables(host, ["-A", "INPUT", "-p", "tcp", "--dport", "7001", "-j", "REJECT", "--reject-with", "icmp-host-unreachable"]);
    lab.iptables(host, ["-A", "INPUT", "-p", "tcp", "--dport", "7002", "-j", "DROP"]);
    const unreachable = await probeTcp({ host: host.address, port: 7001 }, { timeoutSeconds: 3 });
    expect(unreachable).toMatchObject({ failure: "tcp_unreachable", connectTime: null });
    const dropped = await probeTcp({ host: host.address, port: 7002 }, { timeoutSeconds: 0.5 });
    expect(dropped).toMatchObject({ failure: "tcp_timeout", connectTime: null });
    const refused = await probeTcp({ host: host.address, port: 7003 }, { timeoutSeconds: 3 });
    expect(refused).toMatchObject({ failure: "tcp_refused" });
  });
});
