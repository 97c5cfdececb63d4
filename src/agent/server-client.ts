// The agent's calls to its server other than uploads (assignment, heartbeat): each tried at the servers in
// turn (relays, e.g. a domestic mirror), the first real answer wins. The server's Date header gives the
// clock offset the heartbeat reports.
import { Agent, request } from "undici";

export interface ServerAnswer {
  status: number;
  body: string;
  server: string;
}

export class ServerClient {
  /** Server clock minus local clock (ms), from the last answer's Date header; null before any answer. */
  clockOffsetMs: number | null = null;

  constructor(
    private readonly servers: string[],
    private readonly token: string,
    private readonly timeoutMs = 30_000,
  ) {}

  /**
   * Sends to each server in turn until one answers with something other than a network error or 5xx;
   * null when none did. 4xx answers are final (a relay would say the same about this token).
   */
  async send(method: "GET" | "POST", path: string, json?: unknown, via: { localAddress?: string; timeoutMs?: number } = {}): Promise<ServerAnswer | null> {
    const timeoutMs = via.timeoutMs ?? this.timeoutMs;
    // Bound to a local address (the measured interface), the request leaves through that interface.
    const dispatcher = via.localAddress === undefined ? undefined : new Agent({ localAddress: via.localAddress });
    try {
      return await this.sendEach(method, path, json, timeoutMs, dispatcher);
    } finally {
      await dispatcher?.close().catch(() => undefined);
    }
  }

  private async sendEach(method: "GET" | "POST", path: string, json: unknown, timeoutMs: number, dispatcher: Agent | undefined): Promise<ServerAnswer | null> {
    for (const server of this.servers) {
      try {
        const res = await request(new URL(path, server), {
          ...(dispatcher && { dispatcher }),
          method,
          headers: { authorization: `Bearer ${this.token}`, ...(json !== undefined && { "content-type": "application/json" }) },
          ...(json !== undefined && { body: JSON.stringify(json) }),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const body = await res.body.text();
        const date = Date.parse(String(res.headers.date ?? ""));
        if (Number.isFinite(date)) this.clockOffsetMs = date - Date.now();
        if (res.statusCode >= 500) continue;
        return { status: res.statusCode, body, server };
      } catch {
        continue; // unreachable: try the next relay
      }
    }
    return null;
  }
}
