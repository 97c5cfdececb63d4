// A small pool of worker threads, each running site checks (checkSite, and probeThroughput when asked) for
// TargetConfig items, so a probe's checks use more than one core: one Node thread spends ~2.2 ms of CPU per
// HTTPS check (DNS + TCP + TLS + GET), which caps a single thread near 450 checks/s however fast the network is.
//
// Dispatch goes to the least busy thread (ties round-robin). A thread that dies takes its checks in flight
// with it: each is rejected with an error naming the thread, and a new thread takes the dead one's place.
// A network failure never reaches this file as an error: the thread's checker resolves it as a result.
import { availableParallelism } from "node:os";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { TargetConfig } from "../config/schema.js";
import type { CheckerSettings, TargetCheckResult, ThreadReply, ThreadRequest, ThreadsOption } from "./checker-types.js";

export type { ThreadsOption } from "./checker-types.js";

/**
 * How many threads to run: "auto" leaves one core to the main thread (the queue, uploads, dispatch) and to
 * the kernel's packet processing, so one thread (in-process) on two cores; a number is capped at the cores.
 * On two cores a thread per core cost a median 1.24× the CPU per check of one thread, faster in 2 runs of 6
 * (bench/probes.ts, README "Benchmarks").
 */
export function resolveThreadCount(threads: ThreadsOption | undefined, cores = availableParallelism()): number {
  if (threads === undefined) return 1;
  if (threads === "auto") return Math.max(1, cores - 1);
  return Math.max(1, Math.min(Math.floor(threads), cores));
}

export interface CheckThreadStats {
  threadId: number;
  inFlight: number;
  completed: number;
}

interface Pending {
  resolve: (r: TargetCheckResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  threadId: number;
  pending: Map<number, Pending>;
  completed: number;
  ready: boolean;
}

/**
 * A thread keeps the process alive while it starts or has checks in flight, and not when idle, so an owner
 * that forgets close() still exits. (Set after the "message" listener: adding one refs the port again.)
 */
function updateRef(slot: Slot): void {
  if (!slot.ready || slot.pending.size > 0) slot.worker.ref();
  else slot.worker.unref();
}

const threadModule = new URL(`./check-thread${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** tsx's ESM register API, found through tsx's own export map (require.resolve would pick its CJS build). */
function tsxEsmApiUrl(): string {
  const manifest = createRequire(import.meta.url).resolve("tsx/package.json");
  const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { exports: Record<string, { import?: { default?: string } }> };
  const entry = pkg.exports["./esm/api"]?.import?.default;
  if (!entry) throw new Error("tsx has no ./esm/api export: cannot start TypeScript check threads");
  return pathToFileURL(join(dirname(manifest), entry)).href;
}

/**
 * Starts a thread on check-thread. Under tsx (how KeepWatch runs) a thread does not inherit the main
 * thread's loader hooks on Node 20, so a TypeScript entry is loaded through tsx's register() first.
 */
function startThread(settings: CheckerSettings): Worker {
  if (threadModule.pathname.endsWith(".ts")) {
    const tsxApi = tsxEsmApiUrl();
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(threadModule.href)}); })`;
    return new Worker(boot, { eval: true, workerData: settings });
  }
  return new Worker(threadModule, { workerData: settings });
}

export class CheckPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private rotation = 0;
  private closed = false;
  /** Set when a thread died before it could check anything: the settings themselves are at fault. */
  private startupError: Error | null = null;

  private constructor(private readonly settings: CheckerSettings) {}

  /** Starts `size` threads and waits until each has loaded its settings (CA files, fingerprints). */
  static async start(settings: CheckerSettings, size: number): Promise<CheckPool> {
    const pool = new CheckPool(settings);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.addThread()));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  stats(): CheckThreadStats[] {
    return this.slots.map((s) => ({ threadId: s.threadId, inFlight: s.pending.size, completed: s.completed }));
  }

  /** The live threads, e.g. for an operator's diagnostics or a test that kills one. */
  workers(): Worker[] {
    return this.slots.map((s) => s.worker);
  }

  check(target: TargetConfig): Promise<TargetCheckResult> {
    if (this.closed) return Promise.reject(new Error("check pool is closed"));
    const slot = this.leastBusy();
    if (!slot) return Promise.reject(this.startupError ?? new Error("check pool has no threads"));
    const id = this.nextId++;
    return new Promise<TargetCheckResult>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      updateRef(slot);
      const request: ThreadRequest = { id, target };
      slot.worker.postMessage(request);
    });
  }

  /** Ends every thread; checks still in flight are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const s of slots) this.failAll(s, new Error("check pool closed while the check was in flight"));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private leastBusy(): Slot | undefined {
    const n = this.slots.length;
    let best: Slot | undefined;
    for (let k = 0; k < n; k++) {
      const s = this.slots[(this.rotation + k) % n]!;
      if (!best || s.pending.size < best.pending.size) best = s;
    }
    this.rotation = (this.rotation + 1) % Math.max(1, n);
    return best;
  }

  /** Adds a thread; resolves once it reported ready, rejects if it died first. */
  private addThread(): Promise<void> {
    const worker = startThread(this.settings);
    const slot: Slot = { worker, threadId: worker.threadId, pending: new Map(), completed: 0, ready: false };
    this.slots.push(slot);
    let lastError: Error | null = null;
    return new Promise<void>((resolveReady, rejectReady) => {
      worker.on("message", (reply: ThreadReply) => {
        if (reply.type === "ready") {
          slot.ready = true;
          updateRef(slot);
          resolveReady();
          return;
        }
        const p = slot.pending.get(reply.id);
        if (!p) return;
        slot.pending.delete(reply.id);
        slot.completed++;
        updateRef(slot);
        if (reply.type === "result") p.resolve(JSON.parse(reply.json) as TargetCheckResult);
        else p.reject(new Error(`site check failed in thread ${slot.threadId}: ${reply.error}`));
      });
      updateRef(slot);
      worker.on("error", (e) => {
        lastError = e;
      });
      worker.on("exit", (code) => {
        const i = this.slots.indexOf(slot);
        if (i < 0) return; // closed by us
        this.slots.splice(i, 1);
        const why = lastError ? lastError.message : `exit code ${code}`;
        this.failAll(slot, new Error(`check thread ${slot.threadId} died with the check in flight (${why})`));
        if (!slot.ready) {
          // Its settings did not load (a missing CA file, a bad fingerprint file): a new thread would too.
          this.startupError = new Error(`check thread could not start: ${why}`);
          rejectReady(this.startupError);
          return;
        }
        if (!this.closed) void this.addThread().catch(() => undefined);
      });
    });
  }

  private failAll(slot: Slot, error: Error): void {
    for (const p of slot.pending.values()) p.reject(error);
    slot.pending.clear();
  }
}
