// The signed-in user (or null) and writes that carry the session's CSRF token. The session cookie itself is
// HttpOnly: scripts never see it, only the CSRF token the server hands out with GET /api/v1/session.
let current = null;

/** { user: {name, role} | null, csrfToken }, fetched once per page load (refresh() after sign-in/out). */
export function session() {
  current ??= fetch("/api/v1/session", { headers: { accept: "application/json" }, cache: "no-store" })
    .then((r) => (r.ok ? r.json() : { user: null, csrfToken: null }))
    .catch(() => ({ user: null, csrfToken: null }));
  return current;
}

export function refresh() {
  current = null;
  return session();
}

/** A write as the signed-in user: JSON body, X-CSRF-Token, same-origin cookies only. Throws with the server's message. */
export async function write(method, path, body) {
  const { csrfToken } = await session();
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "content-type": "application/json", accept: "application/json", ...(csrfToken && { "x-csrf-token": csrfToken }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!res.ok) {
    const err = new Error((await res.json().catch(() => null))?.error?.message ?? `${res.status}`);
    err.status = res.status;
    err.retryAfter = Number(res.headers.get("retry-after")) || null;
    throw err;
  }
  return res.status === 204 ? null : res.json();
}
