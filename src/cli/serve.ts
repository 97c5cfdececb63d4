// `keepwatch serve [--roles …]`: every role in one process by default, or the roles named (several processes
// sharing one Redis and one store); stopped gracefully on SIGTERM/SIGINT. Bad input (config, roles, Redis
// URL, site setup): one line and exit 2.
import { createLogger } from "../log.js";
import { RedisNotInstalledError } from "../serve/embedded-redis.js";
import { startServer, type RunningServer } from "../serve/server.js";
import { SiteSetupError } from "../serve/site-setup.js";
import { logFormatOption } from "./log-format.js";
import { ConfigError } from "../config/load.js";
import { parseRoles, RolesError } from "../config/roles.js";
import { RedisUrlError } from "../queue/redis-url.js";
import { onShutdownSignal } from "./signals.js";

export async function runServe(opts: {
  config: string; data?: string; port?: string; host?: string; demo?: boolean; logFormat?: string; roles?: string;
}): Promise<void> {
  const log = createLogger({ format: logFormatOption(opts.logFormat) });
  // Handlers first: a SIGTERM during start-up (a slow first start, a supervisor giving up) must stop what
  // has started — the embedded redis-server above all — instead of killing node with Redis left behind.
  let starting: Promise<RunningServer | null> = Promise.resolve(null);
  // A signal during start-up also ends it: a start waiting for a Redis that is down would otherwise never
  // finish, and the stop would wait for it until the 30 s limit.
  const abortStart = new AbortController();
  onShutdownSignal(log, async () => {
    abortStart.abort();
    const running = await starting;
    await running?.stop();
  });
  try {
    // Checked before anything starts: a typo must not leave a process running the wrong roles.
    const roles = opts.roles === undefined ? undefined : parseRoles(opts.roles);
    const pending = startServer({
      ...(roles ? { roles } : {}),
      configPath: opts.config,
      dataDir: opts.data,
      port: opts.port === undefined ? undefined : Number(opts.port),
      host: opts.host,
      log,
      demo: opts.demo === true,
      signal: abortStart.signal,
    });
    starting = pending.catch(() => null); // a failed start has stopped what it started (startServer's catch)
    const server = await pending;
    if (server.roles.includes("api")) console.log(`KeepWatch dashboard: ${server.url}/`);
    else console.log(`KeepWatch roles ${server.roles.join(",")}: health ${server.url}/readyz`);
  } catch (e) {
    if (abortStart.signal.aborted) return; // Stopped by a signal: its handler exits once everything has stopped.
    if (e instanceof RedisNotInstalledError) {
      console.error(e.message);
      process.exit(1);
    }
    if (e instanceof ConfigError || e instanceof SiteSetupError || e instanceof RolesError || e instanceof RedisUrlError) {
      console.error(e.message);
      process.exit(2); // bad input, as every command reports it
    }
    throw e;
  }
}
