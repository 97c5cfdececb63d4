// The HTTP listener of `keepwatch serve`, and how it stops: no new connections, idle keep-alive connections
// closed, requests in flight answered (an upload half-read is finished and queued, not cut off). Long-lived
// responses (SSE) are ended through the app's shutdown signal before this runs. A request still running
// after `graceMs` has its connection closed.
import { serve, type ServerType } from "@hono/node-server";
import type { Server } from "node:http";

export interface Listener {
  server: ServerType;
  port: number;
  close(graceMs?: number): Promise<void>;
}

export function listen(fetch: Parameters<typeof serve>[0]["fetch"], hostname: string, port: number): Promise<Listener> {
  return new Promise((ok, fail) => {
    const server = serve({ fetch, hostname, port }, (info) => ok({ server, port: info.port, close: (graceMs) => closeListener(server, graceMs) }));
    server.once("error", fail);
  });
}

function closeListener(server: ServerType, graceMs = 10_000): Promise<void> {
  const http = server as Server;
  return new Promise<void>((ok) => {
    const force = setTimeout(() => http.closeAllConnections(), graceMs);
    // A keep-alive connection becomes idle when its request is answered; close it then, before the client
    // sends another request on it (which would hold close() open until the grace period ends).
    const sweep = setInterval(() => http.closeIdleConnections(), 50);
    force.unref();
    http.close(() => {
      clearTimeout(force);
      clearInterval(sweep);
      ok();
    });
    http.closeIdleConnections();
  });
}
