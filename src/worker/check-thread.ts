// One check thread of the pool (check-pool.ts): builds the same in-process checker the main thread would
// from the plain settings it was started with, then answers each { id, target } with the check's result.
// Results are plain data (the WebCheck and throughput schemas): they cross the thread boundary as JSON text.
import { parentPort, workerData } from "node:worker_threads";
import type { CheckerSettings, ThreadReply, ThreadRequest } from "./checker-types.js";
import { createInProcessChecker } from "./target-checker.js";

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("check-thread.ts runs only as a worker thread (see check-pool.ts)");
  // A bad setting (missing CA file) throws here, before "ready": the pool reports it as a start-up error.
  const checker = await createInProcessChecker(workerData as CheckerSettings);
  port.on("message", (req: ThreadRequest) => {
    checker(req.target).then((result) => JSON.stringify(result)).then(
      (json) => port.postMessage({ type: "result", id: req.id, json } satisfies ThreadReply),
      (e: unknown) => port.postMessage({ type: "error", id: req.id, error: e instanceof Error ? e.message : String(e) } satisfies ThreadReply),
    );
  });
  port.postMessage({ type: "ready" } satisfies ThreadReply);
}

await serve();
