// A real Redis behind Sentinel on loopback: a master, a replica and one `redis-server --sentinel` watching
// them (quorum 1), each on its own free port with its data in a temp dir. Failover is forced with SENTINEL
// FAILOVER, as an operator (or a real outage) would cause it.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./redis.js";

export interface TestSentinel {
  /** redis-sentinel://127.0.0.1:PORT/NAME */
  url: string;
  name: string;
  sentinelPort: number;
  ports: { master: number; replica: number };
  /** The port of the master the sentinel names now. */
  masterPort(): Promise<number>;
  /** Forces a failover and waits until the sentinel names the other server as master. */
  failover(): Promise<number>;
  cleanup(): Promise<void>;
}

function startProcess(args: string[], ready: RegExp): Promise<ChildProcess> {
  const proc = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (b: Buffer) => {
      out += b.toString();
      if (ready.test(out)) {
        proc.stdout?.off("data", onData);
        resolve(proc);
      }
    };
    proc.stdout?.on("data", onData);
    proc.once("exit", (code) => reject(new Error(`redis-server ${args.join(" ")} exited (${code}): ${out.slice(-500)}`)));
  });
}

async function until<T>(what: string, fn: () => Promise<T | null>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startTestSentinel(name = "kwmaster"): Promise<TestSentinel> {
  const dir = mkdtempSync(join(tmpdir(), "kw-sentinel-"));
  const [master, replica, sentinelPort] = [await freePort(), await freePort(), await freePort()];
  const procs: ChildProcess[] = [];
  const common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--loglevel", "notice"];
  for (const [port, extra] of [[master, []], [replica, ["--replicaof", "127.0.0.1", String(master)]]] as const) {
    procs.push(await startProcess(["--port", String(port), "--dir", dir, "--appendfilename", `aof-${port}.aof`,
      "--appenddirname", `aof-${port}`, ...common, ...extra], /Ready to accept connections/));
  }
  const conf = join(dir, "sentinel.conf");
  writeFileSync(conf, [
    `port ${sentinelPort}`, "bind 127.0.0.1", `dir ${dir}`,
    `sentinel monitor ${name} 127.0.0.1 ${master} 1`,
    `sentinel down-after-milliseconds ${name} 1000`,
    `sentinel failover-timeout ${name} 5000`,
    "",
  ].join("\n"));
  procs.push(await startProcess([conf, "--sentinel"], /Sentinel ID is|monitor master/));
  const admin = new Redis({ host: "127.0.0.1", port: sentinelPort, maxRetriesPerRequest: 1 });
  const masterPort = async () => Number((await admin.call("SENTINEL", "get-master-addr-by-name", name) as string[])[1]);
  // The replica must be in sync and known to the sentinel before a failover can pick it.
  const replicaClient = new Redis({ host: "127.0.0.1", port: replica, maxRetriesPerRequest: 1 });
  await until("the replica to sync", async () => /master_link_status:up/.test(await replicaClient.info("replication")) ? true : null);
  replicaClient.disconnect();
  await until("the sentinel to see the replica", async () => {
    const replicas = await admin.call("SENTINEL", "replicas", name) as unknown[];
    return replicas.length > 0 ? true : null;
  });
  return {
    url: `redis-sentinel://127.0.0.1:${sentinelPort}/${name}`,
    name,
    sentinelPort,
    ports: { master, replica },
    masterPort,
    failover: async () => {
      const before = await masterPort();
      await until("SENTINEL FAILOVER to be accepted", async () => (await admin.call("SENTINEL", "failover", name)) === "OK" ? true : null);
      return until("the new master", async () => {
        const now = await masterPort();
        if (now === before) return null;
        const c = new Redis({ host: "127.0.0.1", port: now, maxRetriesPerRequest: 1 });
        try {
          return /role:master/.test(await c.info("replication")) ? now : null;
        } finally {
          c.disconnect();
        }
      });
    },
    cleanup: async () => {
      admin.disconnect();
      await Promise.all(procs.map((p) => p.exitCode !== null ? undefined : new Promise<void>((r) => { p.once("exit", () => r()); p.kill("SIGTERM"); })));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
