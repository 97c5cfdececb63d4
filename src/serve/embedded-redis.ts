// Starts a private redis-server for `keepwatch serve` when REDIS_URL is not set: data in the data
// directory with the append-only file on (accepted results survive a crash), bound to loopback only,
// stopped on exit. Without redis-server installed it fails with a message saying how to get one.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

export class RedisNotInstalledError extends Error {
  constructor() {
    super(
      "redis-server is not installed. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`, " +
        "or run scripts/setup.sh), or point KeepWatch at an existing Redis with REDIS_URL=redis://host:6379.",
    );
  }
}

export interface EmbeddedRedis {
  url: string;
  stop(): Promise<void>;
}

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => ok(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

export function redisServerInstalled(binary = "redis-server"): boolean {
  const r = spawnSync(binary, ["--version"], { stdio: "ignore" });
  return r.error === undefined && r.status === 0;
}

export async function startEmbeddedRedis(dataDir: string, binary = "redis-server"): Promise<EmbeddedRedis> {
  if (!redisServerInstalled(binary)) throw new RedisNotInstalledError();
  const dir = resolve(join(dataDir, "redis"));
  mkdirSync(dir, { recursive: true });
  const port = await freeLoopbackPort();
  const proc: ChildProcess = spawn(
    binary,
    [
      "--port", String(port),
      "--bind", "127.0.0.1",
      "--protected-mode", "yes",
      "--dir", dir,
      "--appendonly", "yes",
      "--appendfsync", "everysec",
      "--save", "",
      // BullMQ requires that Redis never evicts its keys.
      "--maxmemory-policy", "noeviction",
      "--daemonize", "no",
    ],
    // Its own process group: a Ctrl-C or a supervisor's group signal must reach KeepWatch, which then
    // stops Redis last, after everything that still writes to it.
    { stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  // Never leave an orphan redis-server behind, even if KeepWatch dies without a graceful stop.
  const killOnExit = () => proc.kill("SIGTERM");
  process.once("exit", killOnExit);
  await new Promise<void>((ok, fail) => {
    let out = "";
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes("Ready to accept connections")) {
        proc.stdout?.off("data", onData);
        proc.off("exit", onExit);
        ok();
      }
    };
    const onExit = (code: number | null) => fail(new Error(`redis-server exited with ${code}: ${out.slice(-800)}`));
    proc.stdout?.on("data", onData);
    proc.once("exit", onExit);
  });
  // Keep draining output so the pipe never fills and blocks redis.
  proc.stdout?.resume();
  proc.stderr?.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((ok) => {
        process.off("exit", killOnExit);
        if (proc.exitCode !== null) return ok();
        proc.once("exit", () => ok());
        proc.kill("SIGTERM");
      }),
  };
}
