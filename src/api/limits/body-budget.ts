// One budget for all uploads: the bytes of request bodies being read, parsed and queued at once. A body
// costs its Content-Length (or the largest body allowed, when it is streamed without one) from before it is
// read until its response is ready. Past the budget, an upload gets 503 with Retry-After before its body is
// read: memory stays bounded however many agents upload at once. One upload is always let through, so a
// budget smaller than one body still makes progress.
import type { MiddlewareHandler } from "hono";
import { serverBusy } from "./responses.js";

export class BodyBudget {
  private used = 0;
  private uploads = 0;

  constructor(readonly limitBytes: number) {}

  /** Reserves `bytes`; false when that would pass the budget (and someone else holds some). */
  reserve(bytes: number): boolean {
    if (this.uploads > 0 && this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    this.uploads += 1;
    return true;
  }

  release(bytes: number): void {
    this.used -= bytes;
    this.uploads -= 1;
  }

  get inFlightBytes(): number {
    return this.used;
  }
}

export function bodyBudget(budget: BodyBudget, maxBodyBytes: number, onRefuse: (reason: string) => void = () => undefined): MiddlewareHandler {
  return async function bodyBudget(c, next) {
    const declared = Number(c.req.header("content-length"));
    // Larger than allowed is refused (413) by the body limit before it is read; count what it may read.
    const bytes = Number.isFinite(declared) && declared >= 0 ? Math.min(declared, maxBodyBytes) : maxBodyBytes;
    if (!budget.reserve(bytes)) {
      onRefuse("body_budget");
      throw serverBusy("too many uploads in progress on the server; retry shortly", 2_000);
    }
    try {
      await next();
    } finally {
      budget.release(bytes);
    }
  };
}
