// The uploading connection's address, known only for the length of a request: the server scrubs it from
// what the request carries and keeps nothing of it. Hono's node server hands the Node request in env.
import type { Context } from "hono";

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
}

/**
 * The peer's address and, with trustProxy, every address a proxy put in X-Forwarded-For / X-Real-IP
 * (the left ones may be the client's own proxies; all of them are scrubbed). Empty for in-process requests.
 */
export function uploaderAddresses(c: Context, trustProxy: boolean): string[] {
  const out: string[] = [];
  const peer = (c.env as NodeBindings | undefined)?.incoming?.socket?.remoteAddress;
  if (peer) out.push(peer);
  if (trustProxy) {
    for (const part of (c.req.header("x-forwarded-for") ?? "").split(",")) {
      const a = part.trim();
      if (a) out.push(a);
    }
    const real = c.req.header("x-real-ip")?.trim();
    if (real) out.push(real);
  }
  return out;
}

/**
 * The one address whose network an agent is told (whoami): the socket's peer, or with trustProxy the
 * address the proxy itself saw (X-Real-IP, else the last X-Forwarded-For entry, which the client cannot
 * forge; the left ones it can). Null for in-process requests.
 */
export function clientAddress(c: Context, trustProxy: boolean): string | null {
  const peer = (c.env as NodeBindings | undefined)?.incoming?.socket?.remoteAddress ?? null;
  if (!trustProxy) return peer;
  const real = c.req.header("x-real-ip")?.trim();
  if (real) return real;
  const forwarded = (c.req.header("x-forwarded-for") ?? "").split(",").map((a) => a.trim()).filter(Boolean);
  return forwarded.at(-1) ?? peer;
}
