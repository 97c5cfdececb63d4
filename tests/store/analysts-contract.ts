// The analysts' layer part of the Store contract, for every backend: users, sessions, notes, verification
// and the audit log, each change landing together with its audit line. Call analystsContract(open) from a
// backend's test file with a function that returns a fresh, migrated store.
import { afterEach, describe, expect, it } from "vitest";
import type { AuditInput, Store, UserRecord } from "../../src/store/store.js";

const HASH = "a".repeat(64);
const audit = (action: string, subject = "x"): AuditInput => ({ at: "2026-12-01T10:00:00.000Z", actor: "adil", action, subject, detail: null });
const user = (name: string, o: Partial<UserRecord> = {}): UserRecord => ({
  name, role: "analyst", passwordHash: "scrypt$2$1$1$c2FsdA$aGFzaA", readTokenHash: null, createdAt: "2026-12-01T09:00:00.000Z", disabledAt: null, ...o,
});

export function analystsContract(open: () => Promise<{ store: Store; close: () => Promise<void> }>): void {
  let env: { store: Store; close: () => Promise<void> } | undefined;
  afterEach(async () => env?.close());
  const fresh = async () => (env = await open()).store;

  describe("analysts' layer", () => {
    it("creates users once, finds them by name and read token, and changes them with an audit line", async () => {
      const s = await fresh();
      expect(await s.createUser(user("anna"), audit("user.add", "anna"))).toBe(true);
      expect(await s.createUser(user("anna", { role: "admin" }), audit("user.add", "anna"))).toBe(false);
      expect(await s.getUser("anna")).toEqual(user("anna"));
      expect(await s.getUser("nobody")).toBeNull();
      expect(await s.updateUser("anna", { readTokenHash: HASH, role: "viewer" }, audit("user.token", "anna"))).toBe(true);
      expect((await s.findUserByReadToken(HASH))?.name).toBe("anna");
      expect((await s.getUser("anna"))?.role).toBe("viewer");
      expect(await s.updateUser("nobody", { role: "admin" }, audit("user.role", "nobody"))).toBe(false);
      await s.createUser(user("adil", { role: "admin" }), audit("user.add", "adil"));
      expect((await s.listUsers()).map((u) => u.name)).toEqual(["adil", "anna"]);
      // One line per change that happened; none for the refused ones.
      expect((await s.listAudit({})).map((a) => `${a.action} ${a.subject}`)).toEqual(["user.add anna", "user.token anna", "user.add adil"]);
    });

    it("keeps sessions by hash until they are deleted, and ends a user's sessions on a new password or disabling", async () => {
      const s = await fresh();
      await s.createUser(user("anna"), audit("user.add", "anna"));
      const sess = { idHash: "b".repeat(64), userName: "anna", createdAt: "2026-12-01T10:00:00.000Z", expiresAt: "2026-12-01T22:00:00.000Z" };
      await s.createSession(sess, audit("session.login", "anna"));
      expect(await s.getSession(sess.idHash)).toEqual(sess);
      await s.updateUser("anna", { passwordHash: "scrypt$2$1$1$bmV3$bmV3" }, audit("user.passwd", "anna"));
      expect(await s.getSession(sess.idHash)).toBeNull();
      await s.createSession({ ...sess, idHash: "c".repeat(64) }, audit("session.login", "anna"));
      await s.updateUser("anna", { disabledAt: "2026-12-01T11:00:00.000Z" }, audit("user.disable", "anna"));
      expect(await s.getSession("c".repeat(64))).toBeNull();
      await s.createSession({ ...sess, idHash: "d".repeat(64) }, audit("session.login", "anna"));
      await s.deleteSession("d".repeat(64), audit("session.logout", "anna"));
      expect(await s.getSession("d".repeat(64))).toBeNull();
      await expect(s.createSession({ ...sess, idHash: "not-a-hash" }, audit("session.login"))).rejects.toThrow(/sha256/);
    });

    it("adds notes in order and sets, replaces and withdraws a verification", async () => {
      const s = await fresh();
      const n1 = await s.addIncidentNote({ incidentId: "inc-1", author: "anna", text: "<b>first</b>", createdAt: "2026-12-01T10:00:00.000Z" }, audit("note.add", "inc-1"));
      const n2 = await s.addIncidentNote({ incidentId: "inc-1", author: "adil", text: "second", createdAt: "2026-12-01T10:05:00.000Z" }, audit("note.add", "inc-1"));
      await s.addIncidentNote({ incidentId: "inc-2", author: "anna", text: "other", createdAt: "2026-12-01T10:06:00.000Z" }, audit("note.add", "inc-2"));
      expect(n2.id).toBeGreaterThan(n1.id);
      expect((await s.listIncidentNotes("inc-1")).map((n) => n.text)).toEqual(["<b>first</b>", "second"]);
      expect(await s.getIncidentVerification("inc-1")).toBeNull();
      await s.setIncidentVerification("inc-1", { verifiedBy: "anna", verifiedAt: "2026-12-01T10:10:00.000Z" }, audit("incident.verify", "inc-1"));
      await s.setIncidentVerification("inc-1", { verifiedBy: "adil", verifiedAt: "2026-12-01T10:20:00.000Z" }, audit("incident.verify", "inc-1"));
      await s.setIncidentVerification("inc-3", { verifiedBy: "anna", verifiedAt: "2026-12-01T10:30:00.000Z" }, audit("incident.verify", "inc-3"));
      expect(await s.getIncidentVerification("inc-1")).toEqual({ incidentId: "inc-1", verifiedBy: "adil", verifiedAt: "2026-12-01T10:20:00.000Z" });
      expect((await s.listIncidentVerifications(["inc-1", "inc-2", "inc-3"])).map((v) => v.incidentId)).toEqual(["inc-1", "inc-3"]);
      expect(await s.listIncidentVerifications([])).toEqual([]);
      await s.setIncidentVerification("inc-1", null, audit("incident.unverify", "inc-1"));
      expect(await s.getIncidentVerification("inc-1")).toBeNull();
    });

    it("appends to the audit log in order and reads it by time and page", async () => {
      const s = await fresh();
      for (let i = 0; i < 5; i++) await s.appendAudit({ ...audit(`a${i}`), at: `2026-12-01T10:0${i}:00.000Z` });
      const all = await s.listAudit({});
      expect(all.map((a) => a.action)).toEqual(["a0", "a1", "a2", "a3", "a4"]);
      expect(new Set(all.map((a) => a.seq)).size).toBe(5);
      expect((await s.listAudit({ since: new Date("2026-12-01T10:02:00Z"), until: new Date("2026-12-01T10:04:00Z") })).map((a) => a.action)).toEqual(["a2", "a3"]);
      expect((await s.listAudit({ limit: 2, offset: 3 })).map((a) => a.action)).toEqual(["a3", "a4"]);
    });
  });
}
