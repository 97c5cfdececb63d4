// The limits in front of POST /measurements, in the order they apply once the token is known: the token's
// own rate and concurrency (429), then room in the results queue and in the server's body budget (503).
// The failed-authentication limit runs before authentication and is mounted by the app (see app.ts).
import type { MiddlewareHandler } from "hono";
import type { ResolvedDeps } from "../deps.js";
import { BodyBudget, bodyBudget } from "./body-budget.js";
import { perTokenLimits, type PerTokenEnv } from "./per-token.js";
import { queueRoom } from "./queue-room.js";

export { authFailureLimit } from "./auth-failures.js";
export { UPLOAD_ITEMS } from "./per-token.js";

export function uploadLimits(deps: ResolvedDeps): MiddlewareHandler<PerTokenEnv>[] {
  const limits = deps.config.uploads;
  const refused = (reason: string) => deps.metrics.recordUploadRefusal(reason);
  const out: MiddlewareHandler<PerTokenEnv>[] = [perTokenLimits(limits, refused)];
  if (deps.queueRoom) out.push(queueRoom(deps.queueRoom, deps.reportError, refused));
  out.push(bodyBudget(new BodyBudget(limits.inFlightBytes), deps.options.maxUploadBytes, refused));
  return out;
}
