// Another process holding SQLite's write lock on a real database file (a backup, a second tool, a slow
// disk): it opens the file, runs BEGIN IMMEDIATE, writes a row and keeps the transaction open until told
// to commit (or until holdMs passes).
import { spawn } from "node:child_process";

export interface HeldWriteLock {
  /** Commits and waits for the process to exit. */
  release(): Promise<void>;
  /** Resolves when the process has exited (lock released). */
  readonly exited: Promise<void>;
}

const CHILD = `
const Database = require("better-sqlite3");
const db = new Database(process.argv[1]);
db.pragma("busy_timeout = 30000");
db.exec("BEGIN IMMEDIATE");
db.prepare("INSERT INTO state (key, value, updated_ms) VALUES ('lock-holder', 'x', 0) ON CONFLICT (key) DO UPDATE SET updated_ms = updated_ms + 1").run();
process.stdout.write("locked\\n");
const done = () => { db.exec("COMMIT"); db.close(); process.exit(0); };
const holdMs = Number(process.argv[2]);
if (holdMs > 0) setTimeout(done, holdMs);
process.stdin.on("data", done);
`;

/** Resolves once the other process holds the lock. holdMs 0 = until release(). */
export async function holdWriteLock(dbPath: string, holdMs = 0): Promise<HeldWriteLock> {
  const child = spawn(process.execPath, ["-e", CHILD, dbPath, String(holdMs)], {
    cwd: process.cwd(),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`lock holder exited (${code}): ${stderr}`)));
  });
  return {
    exited,
    release: async () => {
      if (child.exitCode === null) child.stdin.write("commit\n");
      await exited;
    },
  };
}
