// Shared pieces of the route files: a sub-app that reports validation failures the one typed way, public
// caching headers, and time-range parsing with a cap.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, Env, MiddlewareHandler } from "hono";
import { createHash } from "node:crypto";
import { ApiError, validationHook } from "./errors.js";

export function newRouter<E extends Env = Env>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({ defaultHook: validationHook });
}

/** Cache-Control for public reads; only successful responses are cacheable. */
export function publicCache(maxAgeSeconds: number): MiddlewareHandler {
  return async function publicCache(c, next) {
    await next();
    if (c.res.ok && !c.res.headers.has("Cache-Control")) {
      c.res.headers.set("Cache-Control", `public, max-age=${maxAgeSeconds}`);
    }
  };
}

/** A weak ETag over the parts of a response that matter (so a fresh generatedAt alone does not change it). */
export function weakEtag(value: unknown): string {
  return `W/"${createHash("sha1").update(JSON.stringify(value)).digest("base64url")}"`;
}

/** A JSON answer serialised once, with its weak ETag: a cached answer is sent again without re-encoding it. */
export interface SerializedJson<T> {
  text: string;
  tag: string;
  /** Type only: what the text encodes, so the route's typed response still checks. */
  readonly body?: T;
}

export function serializeJson<T>(value: T): SerializedJson<T> {
  const text = JSON.stringify(value);
  return { text, tag: `W/"${createHash("sha1").update(text).digest("base64url")}"` };
}

/**
 * Sends a SerializedJson as a 200 JSON answer with its ETag (the etag() middleware answers 304 from it). The
 * route's typed-response check cannot see through a pre-encoded body, so the caller returns this `as never`
 * after building the body with its response type.
 */
export function sendSerialized<T>(c: Context, s: SerializedJson<T>): Response {
  c.header("ETag", s.tag);
  return c.body(s.text, 200, { "Content-Type": "application/json" });
}

export interface TimeRange {
  since: Date;
  until: Date;
}

export function parseRange(
  q: { since?: string | undefined; until?: string | undefined },
  now: Date,
  defaultSeconds: number,
  maxSeconds: number,
): TimeRange {
  const until = q.until ? new Date(q.until) : now;
  const since = q.since ? new Date(q.since) : new Date(until.getTime() - defaultSeconds * 1000);
  if (!(since.getTime() < until.getTime())) throw new ApiError(400, "bad_request", "since must be before until");
  if (until.getTime() - since.getTime() > maxSeconds * 1000) {
    throw new ApiError(400, "range_too_large", `range longer than ${Math.round(maxSeconds / 3600)} h; split the request`);
  }
  return { since, until };
}
