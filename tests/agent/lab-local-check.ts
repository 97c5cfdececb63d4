// The agent's local connectivity check pointed at a loopback lab: a routing table whose default route
// goes via 127.0.0.1 (its gateway port refuses, and a refusal is an answer) and a real DNS server on
// loopback. Without it an in-process agent would ask this machine's real gateway and resolver.
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { LocalCheckOptions } from "../../src/agent/local-check.js";
import { startDnsServer, type TestDnsServer } from "../helpers/dns-server.js";

const HEADER = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n";
const VIA_LOOPBACK = `${HEADER}lo\t00000000\t0100007F\t0003\t0\t0\t0\t00000000\t0\t0\t0\n`;

export interface LabLocalCheck {
  options: LocalCheckOptions;
  dns: TestDnsServer;
  close(): Promise<void>;
}

/** A free loopback TCP port with nothing listening: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function labLocalCheck(dir: string): Promise<LabLocalCheck> {
  const routeFile = join(dir, "route");
  writeFileSync(routeFile, VIA_LOOPBACK);
  const dns = await startDnsServer();
  return {
    options: { routeFile, resolver: dns.resolver, gatewayPort: await closedPort(), timeoutMs: 1000 },
    dns,
    close: () => dns.close(),
  };
}
