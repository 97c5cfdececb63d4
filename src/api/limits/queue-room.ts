// Refuses an upload with 503 before its body is read when the results queue cannot take it: Redis is near
// its memory cap (with noeviction, a full Redis would refuse the write half-way) or does not answer.
import type { MiddlewareHandler } from "hono";
import type { QueueRoom } from "../deps.js";
import { serverBusy } from "./responses.js";

export function queueRoom(check: QueueRoom, report: (err: unknown) => void, onRefuse: (reason: string) => void = () => undefined): MiddlewareHandler {
  return async function queueRoom(c, next) {
    let verdict: Awaited<ReturnType<QueueRoom>>;
    try {
      verdict = await check();
    } catch (err) {
      report(err);
      onRefuse("queue_unavailable");
      throw serverBusy("results queue unavailable; retry later", 30_000);
    }
    if (!verdict.ok) {
      onRefuse("queue_full");
      throw serverBusy(verdict.reason, verdict.retryAfterMs);
    }
    await next();
  };
}
