// Starts a private redis-server for `keepwatch serve` when REDIS_URL is not set, and keeps it running: data
// in the data directory with the append-only file on (accepted results survive a crash), bound to loopback
// only, restarted with backoff when it exits unexpectedly (on the same port, so ioredis clients reconnect by
// themselves), stopped through its pidfile if a crashed KeepWatch left it running, stopped by a watchdog if
// KeepWatch is killed, and stopped last on a graceful exit. Without redis-server installed it fails with a
// message saying how to get one.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import type { Logger } from "../log.js";
import { processAlive, removePidfile, stopOrphanRedis, writePidfile } from "./redis-pidfile.js";
import { startRedisWatchdog } from "./redis-watchdog.js";

export class RedisNotInstalledError extends Error {
  constructor() {
    super(
      "redis-server is not installed. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`, " +
        "or run scripts/setup.sh), or point KeepWatch at an existing Redis with REDIS_URL=redis://host:6379.",
    );
  }
}

export interface EmbeddedRedisOptions {
  binary?: string;
  /** 0 (default) = a free port chosen once at start and kept across restarts. */
  port?: number;
  appendfsync?: "always" | "everysec" | "no";
  /** Bytes; 0 = no cap. */
  maxmemory?: number;
  log?: Pick<Logger, "info" | "warn" | "error">;
  /** Restart backoff: first delay, doubled per failed attempt up to maxMs. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
}

export interface EmbeddedRedis {
  url: string;
  port: number;
  /** The current redis-server's pid (null while it is down and being restarted). */
  pid(): number | null;
  /** How many times it was restarted after exiting unexpectedly. */
  restarts(): number;
  stop(): Promise<void>;
}

/** Where the embedded Redis keeps its files, config and pidfile. */
export function embeddedRedisPaths(dataDir: string) {
  const given = resolve(join(dataDir, "redis"));
  // The real path: a later start through another spelling (a symlink) must recognise the same server.
  const dir = existsSync(given) ? realpathSync(given) : given;
  return { dir, conf: join(dir, "keepwatch-redis.conf"), pidfile: join(dir, "redis-server.pid") };
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

function configText(o: { port: number; dir: string; appendfsync: string; maxmemory: number }): string {
  return [
    "# Written by KeepWatch at each start; edits are overwritten (use the redis.* settings).",
    `port ${o.port}`,
    "bind 127.0.0.1",
    "protected-mode yes",
    `dir "${o.dir}"`,
    "appendonly yes",
    `appendfsync ${o.appendfsync}`,
    'save ""',
    `maxmemory ${o.maxmemory}`,
    // BullMQ requires that Redis never evicts its keys; a full Redis refuses writes instead.
    "maxmemory-policy noeviction",
    "daemonize no",
    // The config path in the process title is how a later start recognises this server as ours.
    'proc-title-template "{title} {listen-addr} {server-mode} {config-file}"',
    "",
  ].join("\n");
}

/** Spawns one redis-server and resolves once it accepts connections. */
function spawnRedis(binary: string, conf: string, dir: string): Promise<{ proc: ChildProcess; output: () => string }> {
  const proc = spawn(binary, [conf], {
    cwd: dir,
    // Its own process group: a Ctrl-C or a supervisor's group signal must reach KeepWatch, which then
    // stops Redis last, after everything that still writes to it.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-4000);
  };
  // Keep draining output so the pipe never fills and blocks redis.
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  return new Promise((ok, fail) => {
    const onData = () => {
      if (!out.includes("Ready to accept connections")) return;
      cleanup();
      ok({ proc, output: () => out });
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      fail(new Error(`redis-server exited (${signal ?? code}) before it was ready: ${out.slice(-800)}`));
    };
    const onError = (e: Error) => {
      cleanup();
      fail(e);
    };
    const cleanup = () => {
      proc.stdout?.off("data", onData);
      proc.off("exit", onExit);
      proc.off("error", onError);
    };
    proc.stdout?.on("data", onData);
    proc.once("exit", onExit);
    proc.once("error", onError);
  });
}

export async function startEmbeddedRedis(dataDir: string, opts: EmbeddedRedisOptions = {}): Promise<EmbeddedRedis> {
  const binary = opts.binary ?? "redis-server";
  if (!redisServerInstalled(binary)) throw new RedisNotInstalledError();
  mkdirSync(join(dataDir, "redis"), { recursive: true, mode: 0o700 });
  const { dir, conf, pidfile } = embeddedRedisPaths(dataDir);
  // The path goes into redis.conf as a quoted string; refuse what would end the quote or the line.
  if (/["\\\n\r]/.test(dir)) throw new Error(`data directory path not usable for redis-server: ${JSON.stringify(dir)}`);
  const log = opts.log;
  // A redis-server a crashed KeepWatch left here would share the AOF with the new one: stop it first.
  const orphans = await stopOrphanRedis(pidfile, conf, dir);
  if (orphans.length > 0) log?.warn({ pids: orphans }, "stopped a redis-server left running by a previous KeepWatch");

  const port = opts.port && opts.port > 0 ? opts.port : await freeLoopbackPort();
  writeFileSync(conf, configText({ port, dir, appendfsync: opts.appendfsync ?? "everysec", maxmemory: opts.maxmemory ?? 0 }), { mode: 0o600 });

  const firstDelay = opts.restartDelayMs ?? 500;
  const maxDelay = opts.maxRestartDelayMs ?? 30_000;
  let current: { proc: ChildProcess; watchdog: ChildProcess; output: () => string } | null = null;
  let stopping = false;
  let restarts = 0;
  let failedAttempts = 0;
  let restartTimer: NodeJS.Timeout | null = null;
  let relaunching: Promise<void> | null = null;

  const launch = async () => {
    const { proc, output } = await spawnRedis(binary, conf, dir);
    const pid = proc.pid!;
    writePidfile(pidfile, pid);
    const watchdog = startRedisWatchdog(pid, dir);
    const startedAt = Date.now();
    current = { proc, watchdog, output };
    proc.once("exit", (code, signal) => {
      watchdog.kill("SIGKILL");
      removePidfile(pidfile, pid);
      current = null;
      if (stopping) return;
      // A server that ran a good while starts the backoff over; one that keeps dying backs off further.
      if (Date.now() - startedAt > 60_000) failedAttempts = 0;
      log?.error({ code, signal, output: output().slice(-500) }, "embedded redis-server exited; restarting it");
      scheduleRestart();
    });
  };

  const scheduleRestart = () => {
    if (stopping) return;
    const delay = Math.min(maxDelay, firstDelay * 2 ** failedAttempts);
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (stopping) return;
      relaunching = launch().then(
        () => {
          restarts += 1;
          log?.info({ port, restarts }, "embedded redis-server restarted");
        },
        (err: unknown) => {
          failedAttempts += 1;
          log?.error({ err, nextInMs: Math.min(maxDelay, firstDelay * 2 ** failedAttempts) }, "embedded redis-server failed to restart");
          scheduleRestart();
        },
      ).finally(() => {
        relaunching = null;
      });
    }, delay);
  };

  await launch();
  // Last resort on a normal exit without a graceful stop (process.exit from elsewhere).
  const killOnExit = () => current?.proc.kill("SIGTERM");
  process.once("exit", killOnExit);

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => current?.proc.pid ?? null,
    restarts: () => restarts,
    stop: async () => {
      stopping = true;
      process.off("exit", killOnExit);
      if (restartTimer) clearTimeout(restartTimer);
      // A restart half-way through would otherwise leave a server running after stop() returned.
      await relaunching;
      const running = current;
      if (!running) return;
      const { proc, watchdog } = running;
      await new Promise<void>((ok) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return ok();
        proc.once("exit", () => ok());
        proc.kill("SIGTERM"); // Redis flushes the AOF and exits.
        // A Redis that will not stop (frozen, SIGSTOPped) must not hang the shutdown forever.
        setTimeout(() => {
          if (proc.pid !== undefined && processAlive(proc.pid)) proc.kill("SIGKILL");
        }, 15_000).unref();
      });
      watchdog.kill("SIGKILL");
    },
  };
}
