// The analysts' layer contract on PostgreSQL, plus what only the database can show: audit_log and
// incident_notes refuse UPDATE, DELETE and TRUNCATE even from a direct SQL session (triggers of PostgreSQL
// migration 3), and a change that fails leaves no audit line.
import { describe, expect, it } from "vitest";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { adminQuery, freshDatabase } from "../helpers/postgres.js";
import { analystsContract } from "./analysts-contract.js";

async function open() {
  const url = await freshDatabase();
  const store = new PostgresStore(url, { max: 4 });
  await store.migrate();
  return { store, url, close: async () => store.close() };
}

analystsContract(open);

describe("PostgreSQL audit log and notes", () => {
  it("cannot be edited or emptied, even with SQL on the database", async () => {
    const env = await open();
    try {
      await env.store.appendAudit({ at: "2026-12-01T10:00:00.000Z", actor: "adil", action: "user.add", subject: "anna", detail: null });
      await env.store.addIncidentNote({ incidentId: "inc-1", author: "adil", text: "seen", createdAt: "2026-12-01T10:01:00.000Z" },
        { at: "2026-12-01T10:01:00.000Z", actor: "adil", action: "note.add", subject: "inc-1", detail: null });
      for (const sql of ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log WHERE seq = 1", "TRUNCATE audit_log",
        "UPDATE incident_notes SET text = 'nothing'", "DELETE FROM incident_notes", "TRUNCATE incident_notes"]) {
        await expect(adminQuery(env.url, sql), sql).rejects.toThrow(/append-only/);
      }
      expect((await env.store.listAudit({})).map((a) => a.actor)).toEqual(["adil", "adil"]);
      expect((await env.store.listIncidentNotes("inc-1")).map((n) => n.text)).toEqual(["seen"]);
    } finally {
      await env.close();
    }
  });

  it("writes no audit line for a change that fails, and keeps the change and its line together", async () => {
    const env = await open();
    try {
      const bad = { name: "x", role: "boss" as never, passwordHash: "h", readTokenHash: null, createdAt: "2026-12-01T10:00:00.000Z", disabledAt: null };
      await expect(env.store.createUser(bad, { at: bad.createdAt, actor: "adil", action: "user.add", subject: "x", detail: null })).rejects.toThrow(/check/i);
      // A session for a user who does not exist breaks the foreign key: neither the session nor its line stays.
      const sess = { idHash: "e".repeat(64), userName: "ghost", createdAt: "2026-12-01T10:00:00.000Z", expiresAt: "2026-12-01T22:00:00.000Z" };
      await expect(env.store.createSession(sess, { at: sess.createdAt, actor: "ghost", action: "session.login", subject: "ghost", detail: null })).rejects.toThrow();
      expect(await env.store.getSession(sess.idHash)).toBeNull();
      expect(await env.store.listAudit({})).toEqual([]);
    } finally {
      await env.close();
    }
  });
});
