import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhook } from "../../src/alerts/signature.js";

describe("webhook signature", () => {
  const body = '{"event":{"type":"opened"}}';
  const secret = "0123456789abcdef-secret";
  const now = new Date("2026-01-05T13:00:00Z");
  const ts = Math.floor(now.getTime() / 1000);

  it("is HMAC-SHA256 of '<timestamp>.<body>', hex, prefixed with sha256=", () => {
    const expected = createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex");
    expect(signWebhook(secret, ts, body)).toBe(`sha256=${expected}`);
  });

  it("accepts within the tolerance and refuses stale, future, malformed or altered requests", () => {
    const signature = signWebhook(secret, ts, body);
    const base = { secret, rawBody: body, signature, timestamp: String(ts) };
    expect(verifyWebhook({ ...base, now: new Date(now.getTime() + 299_000) })).toEqual({ ok: true });
    expect(verifyWebhook({ ...base, now: new Date(now.getTime() + 301_000) })).toEqual({ ok: false, reason: "stale" });
    expect(verifyWebhook({ ...base, now: new Date(now.getTime() - 301_000) })).toEqual({ ok: false, reason: "stale" });
    expect(verifyWebhook({ ...base, now, timestamp: "12abc" })).toEqual({ ok: false, reason: "malformed" });
    expect(verifyWebhook({ ...base, now, signature: undefined })).toEqual({ ok: false, reason: "malformed" });
    expect(verifyWebhook({ ...base, now, rawBody: `${body} ` })).toEqual({ ok: false, reason: "mismatch" });
    expect(verifyWebhook({ ...base, now, signature: signature.slice(0, -1) })).toEqual({ ok: false, reason: "mismatch" });
  });
});
