// User accounts over HTTP, for admins only (the CLI `keepwatch users …` does the same on the server's
// database): list, add, change role / disable / new password, issue a read token. Answers never carry a
// hash; a read token is shown once.
import { createRoute, z } from "@hono/zod-openapi";
import { AccountError, addUser, issueReadToken, publicUser, setDisabled, setPassword, setRole } from "../../analysts/accounts.js";
import type { ResolvedDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { newRouter } from "../router.js";
import { addUserBodySchema, changeUserBodySchema, errorResponses, errorSchema, publicUserSchema, userNameParam, usersResponseSchema } from "../schemas.js";
import { requireUser, type UserEnv } from "../session-auth.js";

const err = (description: string) => ({ description, content: { "application/json": { schema: errorSchema } } });
const errors = { 401: err("Not signed in"), 403: err("Not an admin, cross-origin, or no CSRF token"), 404: err("No such user"), 409: err("Name taken"), ...errorResponses };
const cookie = [{ sessionCookie: [] }];

function asApiError(e: unknown): never {
  if (e instanceof AccountError) {
    if (e.kind === "not_found") throw new ApiError(404, "not_found", e.message);
    if (e.kind === "conflict") throw new ApiError(409, "conflict", e.message);
    throw new ApiError(400, "bad_request", e.message);
  }
  throw e;
}

export function usersRoutes(deps: ResolvedDeps) {
  const app = newRouter<UserEnv>();
  const publicUrl = deps.config.server.publicUrl;

  app.openapi(
    createRoute({ method: "get", path: "/users", summary: "Every user account (admin)", security: cookie,
      responses: { 200: { description: "Users", content: { "application/json": { schema: usersResponseSchema } } }, ...errors } }),
    async (c) => {
      requireUser(c, "admin", publicUrl);
      c.header("Cache-Control", "no-store");
      return c.json({ users: (await deps.store.listUsers()).map(publicUser) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "post", path: "/users", summary: "Add a user (admin)", security: cookie,
      request: { body: { required: true, content: { "application/json": { schema: addUserBodySchema } } } },
      responses: { 201: { description: "The user", content: { "application/json": { schema: publicUserSchema } } }, ...errors } }),
    async (c) => {
      const admin = requireUser(c, "admin", publicUrl);
      const body = c.req.valid("json");
      const user = await addUser(deps.store, { ...body, actor: admin.name, at: deps.clock() }).catch(asApiError);
      return c.json(publicUser(user), 201);
    },
  );

  app.openapi(
    createRoute({ method: "patch", path: "/users/{name}", summary: "Change a user's role, disable or enable, or set a new password (admin)", security: cookie,
      request: { params: userNameParam, body: { required: true, content: { "application/json": { schema: changeUserBodySchema } } } },
      responses: { 200: { description: "The user", content: { "application/json": { schema: publicUserSchema } } }, ...errors } }),
    async (c) => {
      const admin = requireUser(c, "admin", publicUrl);
      const { name } = c.req.valid("param");
      const body = c.req.valid("json");
      const base = { name, actor: admin.name, at: deps.clock() };
      try {
        if (body.role !== undefined) await setRole(deps.store, { ...base, role: body.role });
        if (body.disabled !== undefined) await setDisabled(deps.store, { ...base, disabled: body.disabled });
        if (body.password !== undefined) await setPassword(deps.store, { ...base, password: body.password });
      } catch (e) {
        asApiError(e);
      }
      const user = await deps.store.getUser(name);
      if (!user) throw new ApiError(404, "not_found", `no user ${name}`);
      return c.json(publicUser(user), 200);
    },
  );

  app.openapi(
    createRoute({ method: "post", path: "/users/{name}/read-token", summary: "Issue the user's read token (Bearer kwu_…, shown once; replaces the old one) (admin)", security: cookie,
      request: { params: userNameParam },
      responses: { 201: { description: "Token", content: { "application/json": { schema: z.object({ token: z.string() }).openapi("ReadToken") } } }, ...errors } }),
    async (c) => {
      const admin = requireUser(c, "admin", publicUrl);
      const { name } = c.req.valid("param");
      const token = await issueReadToken(deps.store, { name, actor: admin.name, at: deps.clock() }).catch(asApiError);
      c.header("Cache-Control", "no-store");
      return c.json({ token }, 201);
    },
  );
  return app;
}
