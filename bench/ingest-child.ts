// One collector in a child process of the ingest benchmark, so several collectors use several cores the way
// production runs them (one `keepwatch serve --roles collector` each). The parent forks this file, waits for
// "ready", sends "go" (the child starts its Collector), gets a "batch" message per stored job, and ends it
// with "close". The parent reads the child's CPU from /proc; the child reports only what it stored.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { pino } from "pino";
import { Collector } from "../src/collector/collector.js";
import { PostgresStore } from "../src/store/postgres/store.js";
import { SqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";

export type ChildMessage = { type: "ready" } | { type: "batch"; stored: number } | { type: "closed"; ingested: number };

/** A store from a spec: a SQLite file path, or a postgres:// URL. */
export function openBenchStore(spec: string): Store {
  return spec.startsWith("postgres://") ? new PostgresStore(spec) : new SqliteStore(spec);
}

/** Forks one collector process on the queue at redisUrl storing into dbPath. */
export function spawnCollector(redisUrl: string, dbPath: string, concurrency: number): ChildProcess {
  return fork(fileURLToPath(import.meta.url), [redisUrl, dbPath, String(concurrency)], {
    // A larger young generation cuts scavenge GC (JSON parse + zod copies are short-lived): +25-35% measured.
    execArgv: ["--max-semi-space-size=64", "--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

export function nextMessage(child: ChildProcess, type: ChildMessage["type"]): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ChildMessage) => { if (m.type === type) { child.off("message", onMessage); resolve(m); } };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`collector process exited (${code})`)));
  });
}

/** Child side: waits for "go", reports each batch, closes on "close". */
async function runChildCollector(redisUrl: string, dbPath: string, concurrency: number): Promise<void> {
  const send = (m: ChildMessage) => process.send?.(m);
  const store = openBenchStore(dbPath);
  let collector: Collector | null = null;
  process.on("message", (m: string) => {
    if (m === "go") {
      collector = new Collector({
        redis: redisUrl, store, concurrency, logger: pino({ level: "warn" }),
        onBatch: (b) => send({ type: "batch", stored: b.inserted + b.duplicates + b.invalid }),
      });
    } else if (m === "close") {
      void (async () => {
        await collector?.close();
        await store.close();
        send({ type: "closed", ingested: collector?.counters().ingested ?? 0 });
        process.disconnect?.();
      })();
    }
  });
  send({ type: "ready" });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runChildCollector(process.argv[2]!, process.argv[3]!, Number(process.argv[4] ?? 2));
}
