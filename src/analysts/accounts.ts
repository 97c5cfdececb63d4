// User accounts, the operations the CLI (`keepwatch users …`) and the admin API share: names and passwords
// checked here, hashes made here, every change written with its audit line (the store does both at once).
import { randomBytes } from "node:crypto";
import { createHash } from "node:crypto";
import type { Store, UserRecord, UserRole } from "../store/store.js";
import { USER_ROLES } from "../store/analyst-records.js";
import { hashPassword, passwordProblem } from "./password.js";

export const USER_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,31}$/;

/** A refused account operation (bad name, weak password, unknown or taken user): the caller's input, not a fault. */
export class AccountError extends Error {
  override readonly name = "AccountError";
  constructor(message: string, readonly kind: "invalid" | "not_found" | "conflict" = "invalid") {
    super(message);
  }
}

const sha256Hex = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** What the public sees of a user: never a hash. */
export function publicUser(u: UserRecord): { name: string; role: UserRole; createdAt: string; disabledAt: string | null; hasReadToken: boolean } {
  return { name: u.name, role: u.role, createdAt: u.createdAt, disabledAt: u.disabledAt, hasReadToken: u.readTokenHash !== null };
}

function checkName(name: string): void {
  if (!USER_NAME_PATTERN.test(name)) throw new AccountError(`invalid user name ${JSON.stringify(name)}: 2-32 of a-z, 0-9, ".", "_", "-", starting with a letter or digit`);
}

function checkRole(role: string): asserts role is UserRole {
  if (!(USER_ROLES as readonly string[]).includes(role)) throw new AccountError(`invalid role ${JSON.stringify(role)}: admin, analyst or viewer`);
}

function checkPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new AccountError(problem);
}

export async function addUser(store: Store, o: { name: string; role: string; password: string; actor: string; at: Date }): Promise<UserRecord> {
  checkName(o.name);
  checkRole(o.role);
  checkPassword(o.password);
  const user: UserRecord = { name: o.name, role: o.role, passwordHash: await hashPassword(o.password), readTokenHash: null, createdAt: o.at.toISOString(), disabledAt: null };
  const created = await store.createUser(user, { at: user.createdAt, actor: o.actor, action: "user.add", subject: o.name, detail: `role ${o.role}` });
  if (!created) throw new AccountError(`user ${o.name} already exists`, "conflict");
  return user;
}

async function change(store: Store, name: string, patch: Parameters<Store["updateUser"]>[1], audit: { actor: string; at: Date; action: string; detail?: string }): Promise<void> {
  const ok = await store.updateUser(name, patch, { at: audit.at.toISOString(), actor: audit.actor, action: audit.action, subject: name, detail: audit.detail ?? null });
  if (!ok) throw new AccountError(`no user ${name}`, "not_found");
}

export async function setPassword(store: Store, o: { name: string; password: string; actor: string; at: Date }): Promise<void> {
  checkPassword(o.password);
  await change(store, o.name, { passwordHash: await hashPassword(o.password) }, { ...o, action: "user.passwd" });
}

export async function setDisabled(store: Store, o: { name: string; disabled: boolean; actor: string; at: Date }): Promise<void> {
  await change(store, o.name, { disabledAt: o.disabled ? o.at.toISOString() : null }, { ...o, action: o.disabled ? "user.disable" : "user.enable" });
}

export async function setRole(store: Store, o: { name: string; role: string; actor: string; at: Date }): Promise<void> {
  checkRole(o.role);
  await change(store, o.name, { role: o.role }, { ...o, action: "user.role", detail: `role ${o.role}` });
}

/** A new read token (Bearer kwu_…) for the user, replacing any earlier one; shown once, stored as sha256. */
export async function issueReadToken(store: Store, o: { name: string; actor: string; at: Date }): Promise<string> {
  const token = `kwu_${randomBytes(32).toString("base64url")}`;
  await change(store, o.name, { readTokenHash: sha256Hex(token) }, { ...o, action: "user.token" });
  return token;
}
