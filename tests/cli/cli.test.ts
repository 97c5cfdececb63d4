// The `keepwatch` command as a user runs it: a real process, real loopback servers, real exit codes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { makeTestPki, type TestPki } from "../helpers/certs.js";
import { startDnsServer, type TestDnsServer } from "../helpers/dns-server.js";
import { startTestHttpServer, type TestHttpServer } from "../helpers/http-servers.js";
import { measurementSchema } from "../../src/measurement.js";
import { SqliteStore } from "../../src/store/sqlite.js";

const run = promisify(execFile);
const CLI = ["--import", "tsx", "src/cli.ts"];

async function keepwatch(args: string[], input?: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const child = run(process.execPath, [...CLI, ...args], { cwd: process.cwd(), timeout: 60_000, env });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

let pki: TestPki;
let dns: TestDnsServer;
let site: TestHttpServer;
let dir: string;

beforeAll(async () => {
  pki = makeTestPki();
  site = await startTestHttpServer({ address: "127.0.0.1", tls: pki.leaf(["ok.test", "slow.test"]) });
  dns = await startDnsServer();
  dns.set("ok.test", { A: ["127.0.0.1"] });
  dns.set("gone.test", { rcode: "NXDOMAIN" });
  dir = mkdtempSync(join(tmpdir(), "kw-cli-"));
});
afterAll(async () => {
  await Promise.all([site.close(), dns.close()]);
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe("keepwatch measure", () => {
  const common = () => ["--resolver", dns.resolver, "--ca", pki.caCertPath, "--not-bogon", "127.0.0.0/8", "--timeout", "3"];

  it("prints one Measurement per line with --json, under the names other tools read", async () => {
    const r = await keepwatch(["measure", "--json", ...common(), `https://ok.test:${site.port}/`, "https://gone.test/"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(measurementSchema.safeParse(line).success).toBe(true);
    const ok = lines.find((l) => l.target.url.startsWith("https://ok.test"))!;
    expect(ok.verdict).toMatchObject({ accessible: true, blocking: null, failure: null });
    const gone = lines.find((l) => l.target.url === "https://gone.test/")!;
    expect(gone.verdict.accessible).toBe(false);
    expect(gone.verdict.failure).toBe("dns_nxdomain");
    expect(gone).toHaveProperty("verdict.blocking");
  });

  it("measures throughput with --throughput", async () => {
    const r = await keepwatch(["measure", "--json", "--throughput", ...common(), `https://ok.test:${site.port}/fixed?bytes=200000`]);
    const m = JSON.parse(r.stdout.trim()) as { throughput: { bytesPerSecond: number; bytes: number } };
    expect(m.throughput.bytes).toBe(200000);
    expect(m.throughput.bytesPerSecond).toBeGreaterThan(0);
  });

  it("prints a readable table by default and reads --list files", async () => {
    const list = join(dir, "urls.txt");
    writeFileSync(list, `# targets\nhttps://ok.test:${site.port}/\nhttps://gone.test/\n`);
    const r = await keepwatch(["measure", ...common(), "--list", list]);
    expect(r.code).toBe(0);
    const [header, ...rows] = r.stdout.trim().split("\n");
    expect(header).toMatch(/^URL\s+VERDICT\s+FAILURE/);
    expect(rows.find((l) => l.includes("ok.test"))).toMatch(/\bok\b/);
    expect(rows.find((l) => l.includes("gone.test"))).toMatch(/dns_nxdomain/);
  });

  it("refuses bad arguments with a clear message and exit code 2", async () => {
    expect((await keepwatch(["measure"])).code).toBe(2);
    const bad = await keepwatch(["measure", "--timeout", "soon", "https://ok.test/"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--timeout must be a positive number/);
  });

  it("answers a careless user's arguments with one clear line and exit 2, never a stack trace", async () => {
    for (const [args, message] of [
      [["measure", "ftp://ok.test/"], /only http:\/\/ and https:\/\/ URLs/],
      [["measure", "not a url"], /not a URL/],
      [["measure", "--resolver", "999.1.1.1", "https://ok.test/"], /--resolver must be "system" or an IP address/],
      [["measure", "--control-resolver", "127.0.0.1:70000", "https://ok.test/"], /--control-resolver must be/],
      [["agent", "--probe", "p1"], /missing --server, --region, --network/],
      [["serve", "-c", join(dir, "no-such.yaml")], /cannot open file/],
      [["helper", "-c", join(dir, "no-such.yaml")], /cannot open file/],
      [["helper", "--port", "http"], /--port must be a port number/],
      [["helper", "-c", "config/default.yaml"], /helper\.tokenHashes is empty/],
    ] as const) {
      const r = await keepwatch([...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr, args.join(" ")).not.toMatch(/\n\s+at /);
    }
  }, 180_000);

  it("refuses --measure-via without a resolver of the measured network, or with a name that is no interface", async () => {
    const list = join(dir, "via-list.txt");
    writeFileSync(list, "https://ok.test/\n");
    const base = ["agent", "--server", "http://127.0.0.1:9", "--insecure-lab-http", "--probe", "p1", "--region", "KZ-47",
      "--network", "kcell-mobile", "--list", list, "--state-dir", join(dir, "via-state"), "--once"];
    const env = { ...process.env, KEEPWATCH_PROBE_TOKEN: "kwp_cli-test" };
    for (const [args, message] of [
      [["--measure-via", "wwan0"], /--measure-via needs the measured network's resolver: --resolver IP/],
      [["--measure-via", "eth0; reboot"], /--measure-via must be an interface name/],
    ] as const) {
      const r = await keepwatch([...base, ...args], undefined, env);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
  }, 120_000);
});

describe("keepwatch config check", () => {
  it("passes the shipped default and reports every error of a bad file with its path", async () => {
    expect((await keepwatch(["config", "check", "config/default.yaml"])).code).toBe(0);
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "probes:\n  - id: p\n    region: KZ-99\n    network: nope\nschedule:\n  cron: 'not cron'\n");
    const r = await keepwatch(["config", "check", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('probes[0].region: unknown region "KZ-99"');
    expect(r.stderr).toContain('probes[0].network: unknown network "nope"');
    expect(r.stderr).toContain("schedule.cron");
  });

  it("suggests the setting a typo meant and explains a region outside the built-in table", async () => {
    const bad = join(dir, "typos.yaml");
    writeFileSync(bad, "regions:\n  - id: KZ-75\n  - id: UA-30\nshedule:\n  cron: '*/5 * * * *'\ndetector:\n  windowSecond: 60\n");
    const r = await keepwatch(["config", "check", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('shedule: unknown setting "shedule" (did you mean "schedule"?)');
    expect(r.stderr).toContain('detector.windowSecond: unknown setting "windowSecond" (did you mean "windowSeconds"?)');
    expect(r.stderr).toMatch(/regions\[1\]\.names: region "UA-30" is not in KeepWatch's built-in table/);
  });
});

describe("keepwatch token", () => {
  const config = () => {
    const file = join(dir, "token-config.yaml");
    writeFileSync(file, [
      "regions: [{ id: KZ-47 }]",
      "networks: [{ id: kcell-mobile, name: Kcell, asn: 29355, kind: mobile }]",
      "probes: [{ id: probe-47, region: KZ-47, network: kcell-mobile }]",
      "",
    ].join("\n"));
    return file;
  };

  it("issues a probe token, storing only its hash", async () => {
    const data = join(dir, "data");
    const r = await keepwatch(["token", "create", "-c", config(), "--probe", "probe-47", "--region", "KZ-47", "--data", data]);
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^kwp_/);
    const hashed = await keepwatch(["token", "hash"], token);
    const store = new SqliteStore(join(data, "keepwatch.sqlite"));
    try {
      const found = await store.findProbeToken(hashed.stdout.trim());
      expect(found).toMatchObject({ probeId: "probe-47", region: "KZ-47" });
      expect(JSON.stringify(found)).not.toContain(token);
    } finally {
      await store.close();
    }
  });

  it("refuses probes the configuration lacks, another region, and hostile ids (exit 2, no token printed)", async () => {
    const data = join(dir, "data-refused");
    const cases: [string, string, RegExp][] = [
      ["ghost-1", "KZ-47", /probe ghost-1 is not in the server's configuration/],
      ["probe-47", "KZ-75", /configured for region KZ-47, not KZ-75/],
      // The rest of the hostile ids are covered by tests/registry (same ProbeRegistry.tokenTarget).
      ["probe-47\r\nX-Injected: 1", "KZ-47", /invalid probe id/],
    ];
    for (const [probe, region, message] of cases) {
      const r = await keepwatch(["token", "create", "-c", config(), "--probe", probe, "--region", region, "--data", data]);
      expect(r.code, probe).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
    }
  }, 180_000);
});

describe("keepwatch serve", () => {
  it("exits with a message saying how to get Redis when redis-server is missing and REDIS_URL is unset", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: join(dir, "empty-path") };
    delete env.REDIS_URL;
    const r = await keepwatch(["serve", "--data", join(dir, "serve-data"), "--port", "0"], undefined, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/redis-server is not installed.*apt-get install redis-server.*REDIS_URL/s);
  });
});

describe("keepwatch setup", () => {
  it("writes where this machine is after checking it against the configuration", async () => {
    const data = join(dir, "setup-data");
    const r = await keepwatch(["setup", "--region", "KZ-MAN", "--network", "kcell-mobile", "--data", data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/probe local-1 will measure as KZ-47 on kcell-mobile/);
    expect(readFileSync(join(data, "setup.yaml"), "utf8")).toMatch(/region: KZ-47\nnetwork: kcell-mobile/);
  });

  it("refuses what the configuration does not have with one line and exit 2, writing nothing", async () => {
    const data = join(dir, "setup-refused");
    for (const [args, message] of [
      [["--region", "KZ-470", "--network", "kcell-mobile"], /unknown region "KZ-470" \(did you mean "KZ-47"\?\)/],
      [["--region", "KZ-47", "--network", "kcel-mobile"], /unknown network "kcel-mobile" \(did you mean "kcell-mobile"\?\)/],
      [["--region", "KZ-75", "--network", "kcell-mobile"], /not measured in KZ-75/],
      [["--region", "KZ-47", "--network", "kcell-mobile", "--probe", "control-1"], /no local probe "control-1"/],
    ] as const) {
      const r = await keepwatch(["setup", ...args, "--data", data]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr, args.join(" ")).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(join(data, "setup.yaml"))).toBe(false);
    const serve = await keepwatch(["serve", "--log-format", "xml", "--data", data]);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toMatch(/--log-format must be pretty or json, not "xml"/);
  }, 180_000);
});
