// The agent's state directory: enrollment (server URLs, probe id, token; mode 0600), the cached assignment
// and the spool. Never relative to the working directory: systemd's $STATE_DIRECTORY, else
// $XDG_STATE_HOME/keepwatch, else ~/.local/state/keepwatch.
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { z } from "zod";

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  // systemd may list several directories separated by colons; ours is the first.
  const fromSystemd = env.STATE_DIRECTORY?.split(":")[0];
  if (fromSystemd && isAbsolute(fromSystemd)) return fromSystemd;
  const xdg = env.XDG_STATE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, "keepwatch");
  return join(homedir(), ".local", "state", "keepwatch");
}

export const enrollmentSchema = z.object({
  servers: z.array(z.string().url()).min(1),
  probeId: z.string(),
  region: z.string(),
  network: z.object({ id: z.string(), asn: z.number().int().nullable(), kind: z.enum(["mobile", "fixed", "unknown"]) }),
  token: z.string().min(1),
  enrolledAt: z.string(),
  /** Set when enrolled with --insecure-lab-http: http:// servers are then allowed on later starts too. */
  insecureLabHttp: z.boolean().default(false),
});
export type Enrollment = z.infer<typeof enrollmentSchema>;

export function enrollmentPath(stateDir: string): string {
  return join(stateDir, "enrollment.json");
}

/** Writes a file readable by its owner only, atomically (temp file, fsync, rename, directory fsync). */
export function writePrivateFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600); // an existing temp file keeps its old mode otherwise
  renameSync(tmp, path);
  const dirFd = openSync(dirname(path), "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

export function saveEnrollment(stateDir: string, e: Enrollment): void {
  writePrivateFile(enrollmentPath(stateDir), `${JSON.stringify(e, null, 2)}\n`);
}

/** The stored enrollment, null when there is none; throws with a clear message when it is unreadable. */
export function loadEnrollment(stateDir: string): Enrollment | null {
  const path = enrollmentPath(stateDir);
  if (!existsSync(path)) return null;
  const parsed = enrollmentSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new Error(`${path} is damaged; enroll again with a new code`);
  return parsed.data;
}

/** Null when the URL is acceptable; https only, unless the lab flag allows http. */
export function serverUrlProblem(url: string, allowHttp: boolean): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `server URL "${url.slice(0, 80)}" is not a URL`;
  }
  if (u.protocol === "https:") return null;
  if (u.protocol === "http:") {
    return allowHttp ? null : `server URL ${u.origin} is http://: the token would travel in the clear; use https:// (or --insecure-lab-http in a lab)`;
  }
  return `server URL must be https://, got ${u.protocol}`;
}
