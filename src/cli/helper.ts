// `keepwatch helper`: the test helper alone, for a control vantage abroad. It reads the `helper` block of the
// configuration; probes authenticate with tokens listed (hashed) in `helper.tokenHashes`, since a helper
// abroad has no KeepWatch database. Stops gracefully on SIGTERM/SIGINT.
import { serve, type ServerType } from "@hono/node-server";
import { loadConfig } from "../config/load.js";
import { helperApp, helperDeps } from "../helper/app.js";
import { configuredTokens } from "../helper/tokens.js";
import { createLogger } from "../log.js";
import { UsageError } from "./cli-error.js";
import { onShutdownSignal } from "./signals.js";

export interface HelperCliOptions {
  config: string;
  port?: string;
  host?: string;
}

export async function runHelper(o: HelperCliOptions): Promise<number> {
  const log = createLogger({ name: "keepwatch-helper" });
  if (o.port !== undefined && !/^\d{1,5}$/.test(o.port)) throw new UsageError(`--port must be a port number, got "${o.port}"`);
  const config = loadConfig(o.config); // a ConfigError is reported by the CLI as bad input (exit 2)
  const h = config.helper;
  if (h.tokenHashes.length === 0) {
    throw new UsageError("helper.tokenHashes is empty: no probe could use this helper (add `keepwatch token hash` outputs)");
  }
  const app = helperApp(helperDeps(h, configuredTokens(h.tokenHashes)), (err) => log.error({ err }, "helper error"));
  const host = o.host ?? h.host;
  const port = o.port === undefined ? h.port : Number(o.port);
  const server = await new Promise<{ server: ServerType; port: number }>((ok, fail) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, (info) => ok({ server: s, port: info.port }));
    s.once("error", fail);
  });
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${server.port}`;
  // Tests and scripts wait for this line.
  console.log(`KeepWatch helper: ${url}/api/v1/control`);
  log.info({ url, allowRanges: h.allowRanges, tokens: h.tokenHashes.length, budgetSeconds: h.budgetSeconds }, "helper running");
  onShutdownSignal(log, () => new Promise<void>((ok) => server.server.close(() => ok())));
  return 0;
}
