// Notes, verification, users and the audit log as a hostile insider or a forging site would try them: a
// viewer writing notes, an analyst managing users, a cross-origin or token-less write, a note that is HTML,
// and edits of the audit log through the API.
import { afterEach, describe, expect, it } from "vitest";
import { createHarness, testIncident, type Harness } from "../harness.js";
import { addUsers, ORIGIN, signIn } from "../analysts-harness.js";

let h: Harness;
afterEach(async () => h?.close());

const XSS = `<script>alert(1)</script><img src=x onerror="alert(2)"> & "quotes" =HYPERLINK("http://evil")`;

async function setup() {
  h = await createHarness();
  await addUsers(h, ["adil", "admin"], ["anna", "analyst"], ["vera", "viewer"]);
  await h.store.saveIncident(testIncident());
}

describe("notes and verification", () => {
  it("lets an analyst add notes and verify; the incident JSON, CSV, permalink and preview all say who and when", async () => {
    await setup();
    const anna = await signIn(h, "anna");
    const add = await anna.request("/api/v1/incidents/inc-1/notes", { method: "POST", body: JSON.stringify({ text: "Confirmed with two subscribers in Aktau." }) });
    expect(add.status).toBe(201);
    expect(await add.json()).toMatchObject({ id: 1, incidentId: "inc-1", author: "anna", text: "Confirmed with two subscribers in Aktau." });
    const v = await anna.request("/api/v1/incidents/inc-1/verification", { method: "PUT" });
    expect(v.status).toBe(200);
    const { verifiedAt } = await v.json();

    const detail = await (await h.request("/api/v1/incidents/inc-1")).json();
    expect(detail.verification).toEqual({ incidentId: "inc-1", verifiedBy: "anna", verifiedAt });
    expect(detail.notes.map((n: { author: string }) => n.author)).toEqual(["anna"]);
    const csv = await (await h.request("/api/v1/incidents/inc-1/export.csv")).text();
    expect(csv.split("\r\n")[0]).toMatch(/,incident_verified_by,incident_verified_at,demo$/);
    const html = await (await h.request("/ru/incidents/inc-1")).text();
    expect(html).toMatch(/<meta name="description" content="Проверено: anna, /);
    expect(html).toContain("Confirmed with two subscribers in Aktau.");
    expect(await (await h.request("/incidents/inc-1?lang=en")).text()).toMatch(/<p>Verified by anna at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);

    expect((await anna.request("/api/v1/incidents/inc-1/verification", { method: "DELETE" })).status).toBe(204);
    expect((await (await h.request("/api/v1/incidents/inc-1")).json()).verification).toBeNull();
    expect(await (await h.request("/incidents/inc-1?lang=kk")).text()).toContain("Талдаушы әлі тексерген жоқ");
    const actions = (await h.store.listAudit({})).filter((a) => a.actor === "anna").map((a) => `${a.action} ${a.subject}`);
    expect(actions).toEqual(["session.login anna", "note.add inc-1", "incident.verify inc-1", "incident.unverify inc-1"]);
  }, 60_000);

  it("refuses writes from a viewer, from nobody, from another origin and without the CSRF token", async () => {
    await setup();
    const note = { method: "POST", body: JSON.stringify({ text: "forged" }) };
    const vera = await signIn(h, "vera");
    expect((await vera.request("/api/v1/incidents/inc-1/notes", note)).status).toBe(403);
    expect((await vera.request("/api/v1/incidents/inc-1/verification", { method: "PUT" })).status).toBe(403);
    expect((await h.request("/api/v1/incidents/inc-1/notes", { ...note, headers: { "content-type": "application/json" } })).status).toBe(401);
    const anna = await signIn(h, "anna");
    // A page on another origin that somehow got the cookie sent (same site, another port) and even the token.
    expect((await anna.request("/api/v1/incidents/inc-1/notes", { ...note, headers: { origin: "http://localhost:8081" } })).status).toBe(403);
    // A form post with the cookie but no token (what CSRF looks like).
    expect((await anna.request("/api/v1/incidents/inc-1/notes", { ...note, csrf: false, headers: { origin: ORIGIN } })).status).toBe(403);
    expect((await anna.request("/api/v1/incidents/inc-1/notes", { ...note, csrf: false, headers: { origin: ORIGIN, "x-csrf-token": vera.csrf } })).status).toBe(403);
    // A CORS preflight from another origin does not allow the CSRF header or credentials.
    const pre = await h.request("/api/v1/incidents/inc-1/notes", { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "x-csrf-token" } });
    expect(pre.headers.get("access-control-allow-headers") ?? "").not.toMatch(/x-csrf-token/i);
    expect(pre.headers.get("access-control-allow-credentials")).toBeNull();
    expect(await h.store.listIncidentNotes("inc-1")).toEqual([]);
    expect((await h.store.listAudit({})).filter((a) => a.action === "note.add")).toEqual([]);
  }, 60_000);

  it("keeps a note that is HTML as text: escaped in the permalink's HTML, unchanged in JSON", async () => {
    await setup();
    const anna = await signIn(h, "anna");
    expect((await anna.request("/api/v1/incidents/inc-1/notes", { method: "POST", body: JSON.stringify({ text: XSS }) })).status).toBe(201);
    const html = await (await h.request("/incidents/inc-1?lang=en")).text();
    expect(html).not.toContain("<script>alert(1)");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt; &amp;");
    expect((await (await h.request("/api/v1/incidents/inc-1/notes")).json()).notes[0].text).toBe(XSS);
  }, 60_000);
});

describe("users and the audit log", () => {
  it("lets only admins manage users and read the audit log", async () => {
    await setup();
    const anna = await signIn(h, "anna");
    expect((await anna.request("/api/v1/users")).status).toBe(403);
    expect((await anna.request("/api/v1/users", { method: "POST", body: JSON.stringify({ name: "mallory", role: "admin", password: "0123456789ab" }) })).status).toBe(403);
    expect((await anna.request("/api/v1/users/anna", { method: "PATCH", body: JSON.stringify({ role: "admin" }) })).status).toBe(403);
    expect((await anna.request("/api/v1/audit")).status).toBe(403);
    expect((await anna.request("/api/v1/audit.csv")).status).toBe(403);
    expect((await h.store.getUser("anna"))!.role).toBe("analyst");
    expect(await h.store.getUser("mallory")).toBeNull();

    const adil = await signIn(h, "adil");
    const created = await adil.request("/api/v1/users", { method: "POST", body: JSON.stringify({ name: "dana", role: "viewer", password: "0123456789ab" }) });
    expect(created.status).toBe(201);
    expect(JSON.stringify(await created.json())).not.toContain("scrypt");
    expect((await adil.request("/api/v1/users", { method: "POST", body: JSON.stringify({ name: "dana", role: "admin", password: "0123456789ab" }) })).status).toBe(409);
    expect((await adil.request("/api/v1/users", { method: "POST", body: JSON.stringify({ name: "Bad Name", role: "viewer", password: "0123456789ab" }) })).status).toBe(400);
    expect((await adil.request("/api/v1/users/anna", { method: "PATCH", body: JSON.stringify({ disabled: true }) })).status).toBe(200);
    // Anna's session ended with the disabling.
    expect((await anna.request("/api/v1/incidents/inc-1/notes", { method: "POST", body: JSON.stringify({ text: "after" }) })).status).toBe(401);
    const users = await (await adil.request("/api/v1/users")).json();
    expect(JSON.stringify(users)).not.toMatch(/scrypt|passwordHash/);

    const log = await (await adil.request("/api/v1/audit")).json();
    const lines = log.entries.map((e: { actor: string; action: string; subject: string }) => `${e.actor} ${e.action} ${e.subject}`);
    expect(lines).toEqual(expect.arrayContaining(["adil user.add dana", "adil user.disable anna"]));
    // No address anywhere in the log (the in-process client has none; a listening test below checks a socket).
    const csv = await adil.request("/api/v1/audit.csv");
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM, for spreadsheets
    const text = bytes.subarray(3).toString("utf8");
    expect(text.startsWith("seq,at,actor,action,subject,detail\r\n")).toBe(true);
    expect(text).toContain(",adil,user.disable,anna,");
  }, 90_000);

  it("offers no way to change the audit log through the API, and the database refuses it too", async () => {
    await setup();
    const adil = await signIn(h, "adil");
    const before = await h.store.listAudit({});
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      for (const path of ["/api/v1/audit", "/api/v1/audit/1", "/api/v1/audit.csv"]) {
        const res = await adil.request(path, { method, body: method === "DELETE" ? undefined : JSON.stringify({ actor: "x", action: "y" }) });
        expect([404, 405], `${method} ${path}`).toContain(res.status);
      }
    }
    expect(await h.store.listAudit({})).toEqual(before);
    const Database = (await import("better-sqlite3")).default;
    const raw = new Database(h.dbPath);
    expect(() => raw.prepare("UPDATE audit_log SET actor = 'nobody'").run()).toThrow(/append-only/);
    expect(() => raw.prepare("DELETE FROM audit_log").run()).toThrow(/append-only/);
    raw.close();
  }, 60_000);

  it("writes no client address into the audit log, sessions or users, even over a real socket", async () => {
    await setup();
    const base = await h.listen();
    const res = await fetch(`${base}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json", origin: base }, body: JSON.stringify({ name: "anna", password: "correct horse battery" }) });
    expect(res.status).toBe(200);
    const { readFileSync } = await import("node:fs");
    const db = readFileSync(h.dbPath).toString("latin1") + readFileSync(`${h.dbPath}-wal`).toString("latin1");
    expect(db).toContain("session.login");
    expect(db).not.toMatch(/127\.0\.0\.1|::1|::ffff/);
  }, 60_000);
});
