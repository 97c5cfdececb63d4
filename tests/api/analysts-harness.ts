// Accounts and a cookie-keeping client for the analysts' layer tests: users are added through the same code as
// `keepwatch users add`, and `signIn` goes through POST /api/v1/session like a browser.
import { addUser } from "../../src/analysts/accounts.js";
import type { Harness } from "./harness.js";

export const PASSWORD = "correct horse battery";
export const ORIGIN = "http://localhost";

export interface Client {
  cookie: string;
  csrf: string;
  request(path: string, init?: RequestInit & { csrf?: boolean }): Promise<Response>;
}

export async function addUsers(h: Harness, ...users: [string, "admin" | "analyst" | "viewer"][]): Promise<void> {
  for (const [name, role] of users) await addUser(h.store, { name, role, password: PASSWORD, actor: "test", at: new Date() });
}

/** The Set-Cookie pair (name=value) of a response, or null. */
export function cookiePair(res: Response): string | null {
  return res.headers.get("set-cookie")?.split(";")[0] ?? null;
}

export async function signIn(h: Harness, name: string, password = PASSWORD, extraHeaders: Record<string, string> = {}): Promise<Client> {
  const res = await h.request("/api/v1/session", {
    method: "POST",
    headers: { "content-type": "application/json", origin: ORIGIN, ...extraHeaders },
    body: JSON.stringify({ name, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in of ${name}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { csrfToken: string };
  const cookie = cookiePair(res)!;
  return {
    cookie,
    csrf: body.csrfToken,
    request: (path, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set("cookie", cookie);
      if (init.csrf !== false && init.method && init.method !== "GET") {
        headers.set("x-csrf-token", body.csrfToken);
        if (!headers.has("origin")) headers.set("origin", ORIGIN);
      }
      if (typeof init.body === "string" && !headers.has("content-type")) headers.set("content-type", "application/json");
      return h.request(path, { ...init, headers });
    },
  };
}
