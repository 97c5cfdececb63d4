// The test helper in production: `keepwatch helper` runs abroad (its own namespace, started by the CLI), the
// worker's checker (createInProcessChecker from the config's `helpers`) measures from the root namespace, in
// parallel with its call to the helper. The site lives in a "site" namespace that both reach over their own
// links; both resolvers give the same address (consistent DNS). The censor is an iptables DNAT on the probe's
// path only: the probe's cleartext GET lands on a block page without any known fingerprint.
//
// Needs root with `ip netns` and iptables; it fails, loudly, where they are missing.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/api/auth.js";
import { configSchema } from "../../src/config/schema.js";
import { measurementSchema } from "../../src/measurement.js";
import { toMeasurement } from "../../src/worker/run-checks.js";
import { checkerSettings, probeIdentity } from "../../src/worker/from-config.js";
import { createInProcessChecker } from "../../src/worker/target-checker.js";
import { startDnsServer, type TestDnsServer } from "../helpers/dns-server.js";
import { PAGE_TITLE } from "../helpers/http-servers.js";
import { NetLab, netnsAvailable, type LabHost } from "../helpers/netns.js";
import { makeTestPki, type TestPki } from "../helpers/certs.js";
import { startLabServers } from "./fixtures/start-lab-servers.js";

const TOKEN = "kwp_e2e-helper-token";
const TOKEN_ENV = "KW_E2E_HELPER_TOKEN";
// Shorter than the real page (body proportion < 0.7), another title, no uncommon header in common.
const BLOCK_PAGE = "<html><title>Access restricted</title></html>";

let lab: NetLab | undefined;
let pki: TestPki | undefined;
let site: LabHost;
let abroad: LabHost;
let censor: LabHost;
let helperUrl: string;
let regionDns: TestDnsServer;
let helperDns: TestDnsServer;
const natRule = () => ["-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", site.address, "--dport", "80", "-j", "DNAT", "--to-destination", `${censor.address}:80`];

beforeAll(async () => {
  if (!netnsAvailable()) throw new Error("tests/e2e/helper-netns needs root with `ip netns` and iptables (none found here)");
  lab = new NetLab();
  pki = makeTestPki();
  site = lab.addHost("site");
  abroad = lab.addHost("abroad");
  censor = lab.addHost("censor");
  // Abroad reaches the site over a link of its own (the root namespace does not forward), at the same address.
  const link = lab.link(abroad, site);
  lab.exec(abroad, "ip", ["route", "add", `${site.address}/32`, "via", link.bAddress]);

  // The region's resolver (for the probe) and the helper's resolver (abroad) agree: consistent DNS.
  const rules = { "news.test": { A: [site.address] }, "gone.test": { A: [site.address] } };
  regionDns = await startDnsServer({ host: "127.0.0.1", rules });
  helperDns = await startDnsServer({ host: abroad.gateway, rules });

  await startLabServers(lab, site, { http: { address: "0.0.0.0", port: 80 } });
  // The censor's block page: a bare response, as middleboxes send, no fingerprint KeepWatch knows.
  const blockServer = lab.spawn(censor, process.execPath, ["-e", `require("net").createServer((s) => s.once("data", () =>
    s.end("HTTP/1.1 200 OK\\r\\nContent-Type: text/html\\r\\nConnection: close\\r\\n\\r\\n" + ${JSON.stringify(BLOCK_PAGE)}))).listen(80, "0.0.0.0", () => console.log("READY"))`]);
  await NetLab.waitForLine(blockServer, /READY/);

  const config = join(pki.dir, "helper.yaml");
  writeFileSync(config, [
    "helper:",
    `  tokenHashes: ["${sha256Hex(TOKEN)}"]`,
    `  allowRanges: ["198.18.0.0/15"]`,
    `  resolver: "${helperDns.resolver}"`,
    "  budgetSeconds: 8",
  ].join("\n"));
  const helper = lab.spawn(abroad, process.execPath, ["--import", "tsx", "src/cli.ts", "helper", "-c", config, "--host", abroad.address, "--port", "8090"]);
  helperUrl = (await NetLab.waitForLine(helper, /KeepWatch helper: (\S+)/, 60_000))[1]!;
}, 120_000);

afterAll(async () => {
  if (site) spawnSync("iptables", ["-w", ...natRule().map((a) => (a === "-A" ? "-D" : a))]);
  await Promise.all([regionDns?.close(), helperDns?.close()]);
  await lab?.cleanup();
  pki?.cleanup();
});

/** The worker's checker exactly as `keepwatch serve`/`worker` builds it from a config with `helpers`. */
async function workerCheck(url: string, helpers: { url: string; tokenEnv?: string }[]) {
  const config = configSchema.parse({
    helpers,
    bogonExceptions: ["198.18.0.0/15", "127.0.0.0/8"],
    schedule: { timeoutSeconds: 3 },
    probes: [{ id: "almaty-1", region: "KZ-75", network: "kcell", resolver: regionDns.resolver }],
  });
  const probe = config.probes[0]!;
  process.env[TOKEN_ENV] = TOKEN;
  const checker = await createInProcessChecker(checkerSettings(config, probe));
  const target = { url, list: "non_whitelisted" as const, category: "news", throughput: false };
  const started = performance.now();
  const result = await checker(target);
  const seconds = (performance.now() - started) / 1000;
  const m = measurementSchema.parse(toMeasurement(probeIdentity(config, probe), target, new Date(), result));
  return { check: result.check, measurement: m, seconds };
}

describe("production path with a test helper abroad", () => {
  it("reports a cleartext block page behind consistent DNS as blocking http-diff", async () => {
    spawnSync("iptables", ["-w", ...natRule()], { stdio: "inherit" });
    const { check, measurement, seconds } = await workerCheck("http://news.test/", [{ url: helperUrl, tokenEnv: TOKEN_ENV }]);
    expect(check.http?.hops.at(-1)?.title).toBe("Access restricted"); // the probe got the censor's page
    expect(check.http?.blockPage).toBeNull(); // … which no fingerprint knows
    expect(check.verdict).toEqual({ accessible: false, blocking: "http-diff", failure: "http_diff", determined: true });
    expect(measurement.check.control).toMatchObject({
      helper: helperUrl,
      dns: { addresses: [site.address], failure: null },
      http: { status: 200, title: PAGE_TITLE },
      consistency: { dns: "consistent", statusCodeMatch: true, bodyLengthMatch: false, headersMatch: false, titleMatch: false },
    });
    console.log(`helper-netns: worker check with helper (block page) took ${seconds.toFixed(3)} s; helper reported ${measurement.check.control?.time.toFixed(3)} s`);
  });

  it("calls a site down for everyone down: accessible false, blocking null", async () => {
    const { check } = await workerCheck("http://gone.test:81/", [{ url: helperUrl, tokenEnv: TOKEN_ENV }]);
    expect(check.tcp.every((t) => t.failure === "tcp_refused")).toBe(true);
    expect(check.verdict).toEqual({ accessible: false, blocking: null, failure: "tcp_refused", determined: true });
    expect(check.control?.tcp).toEqual({ [`${site.address}:81`]: "tcp_refused" });
  });

  it("tries the next helper when the first is unreachable", async () => {
    const { check } = await workerCheck("http://gone.test:81/", [{ url: `http://${abroad.address}:1/api/v1/control`, tokenEnv: TOKEN_ENV }, { url: helperUrl, tokenEnv: TOKEN_ENV }]);
    expect(check.control?.helper).toBe(helperUrl);
    expect(check.verdict.determined).toBe(true);
  });

  it("stays undetermined when no helper answers (refused, or a wrong token), as without one", async () => {
    for (const helpers of [[{ url: `http://${abroad.address}:1/api/v1/control` }], [{ url: helperUrl }]]) {
      const { check, measurement } = await workerCheck("http://gone.test:81/", helpers);
      expect(check.verdict).toEqual({ accessible: false, blocking: "tcp", failure: "tcp_refused", determined: false });
      expect(measurement.check.control).toBeUndefined();
    }
  });
});
