// `keepwatch serve [--roles …]`: every role in one process by default, or the roles named (several processes
// sharing one Redis and one store); stopped gracefully on SIGTERM/SIGINT. Bad roles or Redis URL: exit 2.
import { createLogger } from "../log.js";
import { RedisNotInstalledError } from "../serve/embedded-redis.js";
import { startServer } from "../serve/server.js";
import { ConfigError } from "../config/load.js";
import { parseRoles, RolesError } from "../config/roles.js";
import { RedisUrlError } from "../queue/redis-url.js";
import { onShutdownSignal } from "./signals.js";

export async function runServe(opts: { config: string; data?: string; port?: string; host?: string; roles?: string }): Promise<void> {
  const log = createLogger();
  try {
    // Checked before anything starts: a typo must not leave a process running the wrong roles.
    const roles = opts.roles === undefined ? undefined : parseRoles(opts.roles);
    const server = await startServer({
      ...(roles ? { roles } : {}),
      configPath: opts.config,
      dataDir: opts.data,
      port: opts.port === undefined ? undefined : Number(opts.port),
      host: opts.host,
      log,
    });
    if (server.roles.includes("api")) console.log(`KeepWatch dashboard: ${server.url}/`);
    else console.log(`KeepWatch roles ${server.roles.join(",")}: health ${server.url}/readyz`);
    onShutdownSignal(log, () => server.stop());
  } catch (e) {
    if (e instanceof RedisNotInstalledError) {
      console.error(e.message);
      process.exit(1);
    }
    if (e instanceof ConfigError || e instanceof RolesError || e instanceof RedisUrlError) {
      console.error(e.message);
      process.exit(2); // bad input, as every command reports it
    }
    throw e;
  }
}
