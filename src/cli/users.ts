// `keepwatch users add|list|disable|enable|passwd|role|token`: accounts of the analysts' layer, written to the
// server's database with an audit line each (actor "cli:<login>"). Passwords are read from stdin (one line)
// so they never sit in the shell history or in `ps`; only their scrypt hash is stored.
import { userInfo } from "node:os";
import { AccountError, addUser, issueReadToken, publicUser, setDisabled, setPassword, setRole } from "../analysts/accounts.js";
import { loadConfig } from "../config/load.js";
import { prepareDataDir } from "../serve/data-dir.js";
import { openStore } from "../store/open.js";
import type { Store } from "../store/store.js";

export interface UsersOptions { config: string; data?: string }

function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}

/** The first line of stdin (a pipe, a here-string, or typed at a terminal without echo control). */
async function readPassword(prompt: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(prompt);
  let text = "";
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  return text.split(/\r?\n/)[0] ?? "";
}

async function withStore(opts: UsersOptions, fn: (store: Store) => Promise<number>): Promise<number> {
  const config = loadConfig(opts.config);
  // The configured backend (store.url): SQLite in the data directory, or the shared PostgreSQL.
  const store = openStore(config.store, prepareDataDir(opts.data ?? config.dataDir));
  try {
    await store.migrate();
    return await fn(store);
  } catch (err) {
    if (!(err instanceof AccountError)) throw err;
    process.stderr.write(`keepwatch users: ${err.message}\n`);
    return 2;
  } finally {
    await store.close();
  }
}

export function runUsersAdd(name: string, opts: UsersOptions & { role: string }): Promise<number> {
  return withStore(opts, async (store) => {
    const password = await readPassword(`password for ${name} (at least 10 characters): `);
    await addUser(store, { name, role: opts.role, password, actor: actor(), at: new Date() });
    process.stderr.write(`user ${name} added with role ${opts.role}\n`);
    return 0;
  });
}

export function runUsersList(opts: UsersOptions & { json?: boolean }): Promise<number> {
  return withStore(opts, async (store) => {
    const users = (await store.listUsers()).map(publicUser);
    if (opts.json) process.stdout.write(JSON.stringify({ users }) + "\n");
    else for (const u of users) process.stdout.write(`${u.name}\t${u.role}\t${u.disabledAt ? `disabled ${u.disabledAt}` : "active"}\tsince ${u.createdAt}\n`);
    return 0;
  });
}

export function runUsersDisable(name: string, opts: UsersOptions, disabled = true): Promise<number> {
  return withStore(opts, async (store) => {
    await setDisabled(store, { name, disabled, actor: actor(), at: new Date() });
    process.stderr.write(`user ${name} ${disabled ? "disabled; its sessions ended" : "enabled"}\n`);
    return 0;
  });
}

export function runUsersPasswd(name: string, opts: UsersOptions): Promise<number> {
  return withStore(opts, async (store) => {
    const password = await readPassword(`new password for ${name}: `);
    await setPassword(store, { name, password, actor: actor(), at: new Date() });
    process.stderr.write(`password of ${name} changed; its sessions ended\n`);
    return 0;
  });
}

export function runUsersRole(name: string, role: string, opts: UsersOptions): Promise<number> {
  return withStore(opts, async (store) => {
    await setRole(store, { name, role, actor: actor(), at: new Date() });
    process.stderr.write(`user ${name} now has role ${role}\n`);
    return 0;
  });
}

export function runUsersToken(name: string, opts: UsersOptions): Promise<number> {
  return withStore(opts, async (store) => {
    const token = await issueReadToken(store, { name, actor: actor(), at: new Date() });
    process.stdout.write(`${token}\n`);
    process.stderr.write(`read token for ${name} (Authorization: Bearer …); it is shown only this once and replaces any earlier one\n`);
    return 0;
  });
}
