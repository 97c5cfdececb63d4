// Webhook signatures. The signed material is "<timestamp>.<raw body>" so a captured request cannot be
// replayed later with a fresh timestamp; receivers reject timestamps outside a tolerance window.
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-keepwatch-signature";
export const TIMESTAMP_HEADER = "x-keepwatch-timestamp";
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signWebhook(secret: string, timestamp: number, rawBody: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex")}`;
}

export type VerifyResult = { ok: true } | { ok: false; reason: "malformed" | "stale" | "mismatch" };

/** What a receiver does: recompute, compare in constant time, and refuse old or future timestamps. */
export function verifyWebhook(opts: {
  secret: string;
  rawBody: string;
  signature: string | undefined;
  timestamp: string | undefined;
  now?: Date;
  toleranceSeconds?: number;
}): VerifyResult {
  const ts = Number(opts.timestamp);
  if (!opts.signature || !opts.timestamp || !/^\d+$/.test(opts.timestamp)) return { ok: false, reason: "malformed" };
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: "stale" };
  const expected = Buffer.from(signWebhook(opts.secret, ts, opts.rawBody));
  const given = Buffer.from(opts.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "mismatch" };
  return { ok: true };
}
