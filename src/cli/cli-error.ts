// How a command reports a failure to a person: one clear line, never a stack trace (unless KEEPWATCH_DEBUG=1
// asks for one). Bad input — arguments, a configuration file — exits 2; anything else exits 1.
import { CommanderError } from "commander";
import { ConfigError } from "../config/errors.js";
import { RolesError } from "../config/roles.js";
import { RedisUrlError } from "../queue/redis-url.js";

/** An argument the user gave that the command cannot work with. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function reportCliError(e: unknown, write: (line: string) => void = (l) => process.stderr.write(l + "\n")): number {
  // Commander has printed its own line already (and the help hint): --help and --version end with 0, an unknown
  // option or command, a missing argument or a value an option refuses with 2.
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  const err = e instanceof Error ? e : new Error(String(e));
  const badInput = err instanceof UsageError || err instanceof ConfigError || err instanceof RolesError || err instanceof RedisUrlError;
  write(`keepwatch: ${err.message}`);
  if (process.env.KEEPWATCH_DEBUG === "1") write(err.stack ?? "");
  else if (!badInput) write("keepwatch: (set KEEPWATCH_DEBUG=1 to see where it failed)");
  return badInput ? 2 : 1;
}
