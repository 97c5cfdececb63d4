// handleError: whatever a route or the framework throws leaves as `{ error: { code, message } }`, and the code
// names the status's meaning, so a client that branches on it does not read a server fault as its own mistake.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { describe, expect, it } from "vitest";
import { ApiError, handleError } from "../../src/api/errors.js";

function appThrowing(err: unknown, reported: unknown[] = []) {
  const app = new Hono();
  app.onError(handleError((e) => reported.push(e)));
  app.get("/", () => {
    throw err;
  });
  return app;
}

async function errorOf(err: unknown) {
  const res = await appThrowing(err).request("/");
  return { status: res.status, ...((await res.json()) as { error: { code: string; message: string } }).error };
}

describe("handleError", () => {
  it.each([
    [400, "bad_request"],
    [401, "unauthorized"],
    [405, "method_not_allowed"],
    [409, "conflict"],
    [413, "payload_too_large"],
    [415, "unsupported_media_type"],
    [429, "rate_limited"],
    [418, "bad_request"],
    [502, "internal"],
    [503, "unavailable"],
  ] as const)("gives a framework HTTPException %i the code %s", async (status, code) => {
    const e = await errorOf(new HTTPException(status as ContentfulStatusCode, { message: "from the framework" }));
    expect(e).toEqual({ status, code, message: "from the framework" });
  });

  it("keeps a route's own ApiError code and headers", async () => {
    const res = await appThrowing(new ApiError(401, "unauthorized", "token revoked", { "WWW-Authenticate": "Bearer" })).request("/");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "token revoked" } });
  });

  it("reports an unexpected error and tells the client nothing about it", async () => {
    const reported: unknown[] = [];
    const res = await appThrowing(new Error("SELECT secret FROM tokens"), reported).request("/");
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain("secret");
    expect(reported).toHaveLength(1);
  });
});
