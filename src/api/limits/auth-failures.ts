// Failed token checks are limited, so guessing tokens costs the guesser time, not us: a budget per client
// address and one for all clients together; past either, requests to the guarded paths get 429 *before*
// their token is looked at (answering a right guess differently would tell the guesser it was right).
//
// The client address is needed only to tell one guesser from another. It is kept in memory only, and only
// as an HMAC-SHA256 under a key drawn at random when the process starts and never written anywhere: the
// keys of the bucket map cannot be turned back into addresses, not even by someone holding a heap dump
// and a list of candidate addresses (the key changes with every restart). It is never logged or stored.
import { createHmac, randomBytes } from "node:crypto";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import type { UploadLimits } from "../../config/schema.js";
import { tooManyRequests } from "./responses.js";
import { TokenBuckets } from "./token-bucket.js";

const MINUTE = 60_000;

/** The socket's peer address, or null when there is none (an in-process app.request in tests). */
function peerAddress(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

/**
 * Who a client is, for this limit: an IPv4 address (also IPv4-mapped IPv6), or an IPv6 client's /64 — one
 * subscriber commonly holds a whole /64 and could otherwise rotate through it.
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(":")) return address;
  const [head = "", tail] = address.toLowerCase().split("%")[0]!.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

export function authFailureLimit(
  limits: Pick<UploadLimits, "failedAuthPerMinute" | "failedAuthPerMinutePerAddress">,
  onRefuse: (reason: string) => void = () => undefined,
): MiddlewareHandler {
  const key = randomBytes(32);
  const perAddress = new TokenBuckets(limits.failedAuthPerMinutePerAddress, MINUTE);
  const global = new TokenBuckets(limits.failedAuthPerMinute, MINUTE);
  const addressKey = (c: Context) => {
    const address = peerAddress(c);
    return address === null ? null : createHmac("sha256", key).update(clientKey(address)).digest("base64url");
  };
  return async function authFailureLimit(c, next) {
    const who = addressKey(c);
    const wait = Math.max(global.waitMs("all"), who === null ? 0 : perAddress.waitMs(who));
    if (wait > 0) {
      onRefuse("auth_failures");
      throw tooManyRequests("too many failed token checks; wait before trying again", wait);
    }
    await next();
    if (c.res.status === 401) {
      global.charge("all", 1);
      if (who !== null) perAddress.charge(who, 1);
    }
  };
}
