// Redis has no "die with my parent" option, and a SIGKILLed KeepWatch runs no exit handler. So next to each
// redis-server runs a tiny shell whose stdin is a pipe from KeepWatch: when KeepWatch dies, however it dies,
// the kernel closes the pipe, `read` returns, and the shell stops that redis-server (SIGTERM: the AOF is
// flushed). It checks /proc first so a pid reused by another process is never signalled.
import { spawn, type ChildProcess } from "node:child_process";
import { realpathSync } from "node:fs";

/** The watchdog's process title ($0), so operators and tests can tell it apart. */
export const WATCHDOG_NAME = "keepwatch-redis-watchdog";

const SCRIPT = [
  "read _ignored",
  'if [ "$(cat /proc/$1/comm 2>/dev/null)" = redis-server ] && [ "$(readlink /proc/$1/cwd 2>/dev/null)" = "$2" ]; then',
  '  kill -TERM "$1"',
  "fi",
].join("\n");

export function startRedisWatchdog(redisPid: number, redisDir: string): ChildProcess {
  const watchdog = spawn("sh", ["-c", SCRIPT, WATCHDOG_NAME, String(redisPid), realpathSync(redisDir)], {
    // Own process group: a terminal's Ctrl-C reaches KeepWatch, which stops Redis in order; the
    // watchdog must not stop it first.
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  // We never write to it; an EPIPE after it exited is not an error worth crashing over.
  watchdog.stdin?.on("error", () => undefined);
  watchdog.on("error", () => undefined);
  return watchdog;
}
