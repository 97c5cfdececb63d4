// Graceful shutdown for long-running commands: the first SIGTERM/SIGINT runs `stop` (which lets work in
// flight finish), a second one exits at once. Launchers (npm, npx, tsx) relay a signal and a terminal sends
// it to the whole group, so one Ctrl-C can arrive two or three times within milliseconds: repeats within
// a second are the same request, not a second one.
import type { Logger } from "../log.js";

/** Longest graceful stop before giving up (e.g. Redis vanished and a close waits on it forever). */
const STOP_TIMEOUT_MS = 30_000;

export function onShutdownSignal(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  let firstAt = 0;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping && Date.now() - firstAt < 1000) return;
    if (stopping) {
      log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    firstAt = Date.now();
    log.info({ signal }, "shutting down");
    setTimeout(() => {
      log.error({ timeoutMs: STOP_TIMEOUT_MS }, "graceful stop took too long; exiting");
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: e }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}
