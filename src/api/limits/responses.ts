// The two refusals of the limits: 429 (this client is over its own limit: slow down) and 503 (the server
// is short of room: everyone waits). Both carry Retry-After in whole seconds; agents keep the batch spooled.
import { ApiError } from "../errors.js";

const seconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

export function tooManyRequests(message: string, retryAfterMs: number): ApiError {
  return new ApiError(429, "rate_limited", message, { "Retry-After": seconds(retryAfterMs) });
}

export function serverBusy(message: string, retryAfterMs: number): ApiError {
  return new ApiError(503, "unavailable", message, { "Retry-After": seconds(retryAfterMs) });
}
