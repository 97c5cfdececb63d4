// A real redis-server per test suite, on a free loopback port, with its data in a temp dir.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeLoopbackPort as freePort } from "../../src/serve/embedded-redis.js";

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGTERM, AOF flushed) — data in `dir` stays for a restart. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
  /** The running server's process id (benchmarks read its CPU time); undefined while stopped. */
  pid(): number | undefined;
}

/** A free port on 127.0.0.1: the helper the embedded redis-server uses. */
export { freePort };

async function waitReady(proc: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes("Ready to accept connections")) {
        proc.stdout?.off("data", onData);
        resolve();
      }
    };
    proc.stdout?.on("data", onData);
    proc.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`)));
  });
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), "kw-redis-"));
  const port = await freePort();
  let proc: ChildProcess | null = null;
  const start = async () => {
    proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir,
      "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--loglevel", "notice"],
      { stdio: ["ignore", "pipe", "pipe"] });
    await waitReady(proc);
  };
  const stop = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => resolve());
      p.kill("SIGTERM");
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    restart: start,
    pid: () => (proc as ChildProcess | null)?.pid,
    cleanup: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
