// JSON POST with a hard deadline, shared by the HTTP providers. Errors name the channel, never the URL:
// a Telegram URL carries the bot token, and failure reasons end up stored in Redis and in logs.
import { request } from "undici";
import { DeliveryError, isPermanentHttpStatus } from "./provider.js";

export interface PostResult {
  status: number;
  body: string;
}

const MAX_ERROR_BODY = 200;

export async function postJson(
  url: string,
  body: string,
  opts: { channel: string; timeoutMs: number; headers?: Record<string, string> },
): Promise<PostResult> {
  let res;
  try {
    res = await request(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", "user-agent": "KeepWatch-Alerts/1", ...opts.headers },
      body,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).name;
    throw new DeliveryError(`${opts.channel}: request failed (${code})`);
  }
  const text = await res.body.text().catch(() => "");
  if (res.statusCode < 200 || res.statusCode >= 300) {
    throw new DeliveryError(`${opts.channel}: HTTP ${res.statusCode} ${text.slice(0, MAX_ERROR_BODY)}`, res.statusCode,
      isPermanentHttpStatus(res.statusCode));
  }
  return { status: res.statusCode, body: text };
}
