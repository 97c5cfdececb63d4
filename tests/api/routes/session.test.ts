// Signing in as an attacker would try it: guessing passwords (limited per name and per client, 429 before the
// password is checked), fixing a session id in advance, posting from another origin, replaying without the
// CSRF token, using a disabled account or a read token to write; and the cookie's flags.
import { afterEach, describe, expect, it } from "vitest";
import { createHarness, testConfig, type Harness } from "../harness.js";
import { addUsers, cookiePair, ORIGIN, PASSWORD, signIn } from "../analysts-harness.js";
import { LOGIN_FAILURES_PER_NAME } from "../../../src/api/routes/session.js";
import { setDisabled } from "../../../src/analysts/accounts.js";

let h: Harness;
afterEach(async () => h?.close());

const login = (name: string, password: string, headers: Record<string, string> = {}) =>
  h.request("/api/v1/session", { method: "POST", headers: { "content-type": "application/json", origin: ORIGIN, ...headers }, body: JSON.stringify({ name, password }) });

describe("sessions", () => {
  it("signs in with an HttpOnly, SameSite=Strict cookie, tells who is signed in, and signs out", async () => {
    h = await createHarness();
    await addUsers(h, ["aigerim", "analyst"]);
    const res = await login("aigerim", PASSWORD);
    expect(res.status).toBe(200);
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^kw_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(setCookie).not.toContain("Secure"); // plain http (a lab): a Secure cookie would never come back
    const body = await res.json();
    expect(body).toEqual({ user: { name: "aigerim", role: "analyst" }, csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const cookie = cookiePair(res)!;
    expect(await (await h.request("/api/v1/session", { headers: { cookie } })).json()).toEqual(body);
    expect(await (await h.request("/api/v1/session")).json()).toEqual({ user: null, csrfToken: null });
    // Signing out needs the CSRF token too (a forged logout is a nuisance, not harmless).
    expect((await h.request("/api/v1/session", { method: "DELETE", headers: { cookie, origin: ORIGIN } })).status).toBe(403);
    const out = await h.request("/api/v1/session", { method: "DELETE", headers: { cookie, origin: ORIGIN, "x-csrf-token": body.csrfToken } });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect(await (await h.request("/api/v1/session", { headers: { cookie } })).json()).toEqual({ user: null, csrfToken: null });
    const audit = await h.store.listAudit({});
    expect(audit.map((a) => [a.actor, a.action, a.subject])).toEqual([
      ["test", "user.add", "aigerim"], ["aigerim", "session.login", "aigerim"], ["aigerim", "session.logout", "aigerim"],
    ]);
  }, 60_000);

  it("gives the cookie Secure and the __Host- prefix when the server is https, and reads only that one", async () => {
    h = await createHarness({}, testConfig({ server: { publicUrl: "https://kw.example/" } }));
    await addUsers(h, ["aigerim", "analyst"]);
    const res = await login("aigerim", PASSWORD, { origin: "https://kw.example" });
    expect(res.headers.get("set-cookie")).toMatch(/^__Host-kw_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    const id = cookiePair(res)!.split("=")[1];
    // The same id under the unprefixed name (what a sibling subdomain could plant) is not a session here.
    expect(await (await h.request("/api/v1/session", { headers: { cookie: `kw_session=${id}` } })).json()).toMatchObject({ user: null });
    expect(await (await h.request("/api/v1/session", { headers: { cookie: `__Host-kw_session=${id}` } })).json()).toMatchObject({ user: { name: "aigerim" } });
  }, 60_000);

  it("limits wrong passwords per account: 429 before the password is even checked, right or wrong", async () => {
    h = await createHarness();
    await addUsers(h, ["aigerim", "admin"], ["bolat", "viewer"]);
    for (let i = 0; i < LOGIN_FAILURES_PER_NAME; i++) expect((await login("aigerim", `guess-${i}-xxxxx`)).status).toBe(401);
    const limited = await login("aigerim", PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(cookiePair(limited)).toBeNull();
    // Another account is not locked by the guessing at aigerim (the per-client limit is wider).
    expect((await login("bolat", PASSWORD)).status).toBe(200);
    // The answer for an unknown name is the same as for a wrong password.
    const unknown = await login("nobody", PASSWORD);
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({ error: { code: "unauthorized", message: "wrong name or password" } });
  }, 120_000);

  it("limits wrong passwords per client across names too (the upload limits' failed-check budget)", async () => {
    h = await createHarness({}, testConfig({ uploads: { failedAuthPerMinute: 3, failedAuthPerMinutePerAddress: 3 } }));
    await addUsers(h, ["aigerim", "admin"]);
    for (const name of ["a1", "a2", "a3"]) expect((await login(name, "wrong password x")).status).toBe(401);
    expect((await login("aigerim", PASSWORD)).status).toBe(429);
  }, 60_000);

  it("never adopts a session id the client brought: a planted cookie stays worthless after sign-in", async () => {
    h = await createHarness();
    await addUsers(h, ["aigerim", "analyst"]);
    const planted = "A".repeat(43);
    const res = await login("aigerim", PASSWORD, { cookie: `kw_session=${planted}` });
    expect(res.status).toBe(200);
    expect(cookiePair(res)).not.toBe(`kw_session=${planted}`);
    expect(await (await h.request("/api/v1/session", { headers: { cookie: `kw_session=${planted}` } })).json()).toMatchObject({ user: null });
    // Two sign-ins give two different sessions.
    const again = await login("aigerim", PASSWORD);
    expect(cookiePair(again)).not.toBe(cookiePair(res));
  }, 60_000);

  it("refuses a sign-in posted from another origin", async () => {
    h = await createHarness();
    await addUsers(h, ["aigerim", "analyst"]);
    const res = await login("aigerim", PASSWORD, { origin: "http://evil.example" });
    expect(res.status).toBe(403);
    expect(cookiePair(res)).toBeNull();
  }, 60_000);

  it("ends sessions when the account is disabled or its password changes", async () => {
    h = await createHarness();
    await addUsers(h, ["aigerim", "analyst"]);
    const c = await signIn(h, "aigerim");
    await setDisabled(h.store, { name: "aigerim", disabled: true, actor: "test", at: new Date() });
    expect(await (await c.request("/api/v1/session")).json()).toMatchObject({ user: null });
    expect((await login("aigerim", PASSWORD)).status).toBe(401);
  }, 60_000);
});

describe("a private dashboard", () => {
  it("sends readers without a session to /login and answers the API with 401; uploads and health stay open", async () => {
    h = await createHarness({}, testConfig({ server: { private: true } }));
    await addUsers(h, ["vera", "viewer"]);
    const page = await h.request("/regions/KZ-47?lang=ru");
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(`/login?next=${encodeURIComponent("/regions/KZ-47?lang=ru")}`);
    for (const path of ["/api/v1/regions", "/api/v1/incidents", "/api/v1/events", "/embed/regions/KZ-47", "/api/v1/probes"]) {
      expect((await h.request(path)).status, path).toBe(path.startsWith("/api") ? 401 : 302);
    }
    expect((await h.request("/login")).status).toBe(200);
    expect((await h.request("/livez")).status).toBe(200);
    expect((await h.request("/api/v1/measurements", { method: "POST", body: "{}" })).status).toBe(401); // probe token, not a session
    const c = await signIn(h, "vera");
    const regions = await c.request("/api/v1/regions");
    expect(regions.status).toBe(200);
    expect(regions.headers.get("cache-control")).not.toContain("public");
    expect((await c.request("/regions/KZ-47")).status).toBe(200);
  }, 60_000);

  it("lets a viewer read with a read token, and only read", async () => {
    h = await createHarness({}, testConfig({ server: { private: true } }));
    await addUsers(h, ["vera", "viewer"], ["anna", "analyst"]);
    const { issueReadToken } = await import("../../../src/analysts/accounts.js");
    const token = await issueReadToken(h.store, { name: "anna", actor: "test", at: new Date() });
    const auth = { authorization: `Bearer ${token}` };
    expect((await h.request("/api/v1/regions", { headers: auth })).status).toBe(200);
    expect((await h.request("/api/v1/regions", { headers: { authorization: "Bearer kwu_" + "x".repeat(43) } })).status).toBe(401);
    const { testIncident } = await import("../harness.js");
    await h.store.saveIncident(testIncident());
    // An analyst's read token still cannot write: writes need a session with its CSRF token.
    const write = await h.request("/api/v1/incidents/inc-1/notes", { method: "POST", headers: { ...auth, "content-type": "application/json", origin: ORIGIN }, body: JSON.stringify({ text: "hi" }) });
    expect(write.status).toBe(403);
    expect((await h.store.listIncidentNotes("inc-1")).length).toBe(0);
  }, 60_000);
});
