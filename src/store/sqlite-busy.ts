// Waiting for another connection's SQLite lock without blocking the event loop. better-sqlite3 is
// synchronous: SQLite's own busy_timeout would sleep inside the call and freeze every request, timer and
// job of the process for as long as the lock is held. So the store runs with busy_timeout 0 and each
// statement that meets a lock is retried here, after a timer, until the wait budget is spent.
import { setTimeout as sleep } from "node:timers/promises";
import { StoreUnavailableError, storeUnavailability } from "./errors.js";

const FIRST_PAUSE_MS = 2;
const MAX_PAUSE_MS = 100;

/**
 * Runs `op` (one synchronous statement or transaction; a failed attempt has changed nothing) until it
 * is not refused by a lock. After `waitMs` of refusals, throws StoreUnavailableError("locked").
 */
export async function retryWhileLocked<T>(op: () => T, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs;
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    try {
      return op();
    } catch (err) {
      if (storeUnavailability(err) !== "locked") throw err;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new StoreUnavailableError("locked", "the store is locked by another connection", { cause: err });
      }
      await sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
  }
}
