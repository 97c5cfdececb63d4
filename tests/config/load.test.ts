import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { ConfigError, DEFAULT_CONFIG_PATH, checkConfigFile, formatConfigErrors, loadConfig } from "../../src/config/load.js";
import { KZ_REGIONS } from "../../src/config/regions.js";
import { tempDir } from "./temp-files.js";

const EXAMPLE = fileURLToPath(new URL("../../config/example.yaml", import.meta.url));
const SECRET = "an-example-webhook-secret-0123";
const files = tempDir();

/** A valid base document every error test changes one piece of. */
const BASE = `
regions:
  - id: KZ-75
    networks: [kcell-mobile]
  - id: KZ-47
networks:
  - { id: kcell-mobile, name: Kcell, asn: 29355, kind: mobile }
  - { id: kt-fixed, name: Kazakhtelecom, asn: 9198, kind: fixed }
  - { id: vps, name: VPS, kind: unknown }
controls:
  - { id: CONTROL, name: Control }
probes:
  - { id: p1, region: KZ-75, network: kcell-mobile }
  - { id: p2, region: KZ-47, network: kt-fixed }
  - { id: c1, region: CONTROL, network: vps, role: control }
`;

function check(yaml: string, env: Record<string, string> = {}) {
  return checkConfigFile(files.write(`c${Math.random().toString(36).slice(2)}.yaml`, yaml), { env });
}

describe("shipped configs", () => {
  it("config/default.yaml loads: all 20 KZ regions, one local probe in KZ-75 on a fixed network (unconfirmed: it measures only after keepwatch setup), every 5 minutes", () => {
    const config = loadConfig(DEFAULT_CONFIG_PATH, { env: {} });
    expect(config.country).toBe("KZ");
    expect(config.regions.map((r) => r.id).sort()).toEqual(KZ_REGIONS.map((r) => r.id).sort());
    for (const region of config.regions) expect(region.names.en.length).toBeGreaterThan(0);
    const local = config.probes.filter((p) => p.mode === "local");
    expect(local).toHaveLength(1);
    expect(local[0]).toMatchObject({ region: "KZ-75", role: "region", confirmed: false });
    // Hand-written probes mean what they say.
    expect(config.probes.filter((p) => p.mode !== "local").every((p) => p.confirmed)).toBe(true);
    expect(local[0]?.resolver).toBeUndefined();
    const network = config.networks.find((n) => n.id === local[0]?.network);
    expect(network?.kind).toBe("fixed");
    expect(config.controls.map((c) => c.id)).toContain("CONTROL");
    expect(config.probes.some((p) => p.role === "control")).toBe(true);
    expect(config.schedule.cron).toBe("*/5 * * * *");
    expect(config.networks.find((n) => n.asn === 29355)?.kind).toBe("mobile");
  });

  it("config/example.yaml loads when its secret is in the environment, and normalises KZ-MAN to KZ-47", () => {
    const config = loadConfig(EXAMPLE, { env: { KEEPWATCH_WEBHOOK_SECRET: SECRET } });
    expect(config.regions.map((r) => r.id)).toEqual(["KZ-75", "KZ-47"]);
    expect(config.regions[1]?.names).toEqual({ kk: "Маңғыстау облысы", ru: "Мангистауская область", en: "Mangystau Region" });
    const channel = config.alerts.channels[0];
    expect(channel?.type === "webhook" && channel.secret).toBe(SECRET);
    expect(channel?.regions).toEqual(["KZ-75", "KZ-47"]);
  });

  it("config/example.yaml without its secret names the variable and the path", () => {
    const result = checkConfigFile(EXAMPLE, { env: {} });
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      { path: "alerts.channels[0].secret", message: "environment variable KEEPWATCH_WEBHOOK_SECRET is not set" },
    ]);
  });

  it("the base document of these tests is itself valid", () => {
    expect(check(BASE)).toEqual({ ok: true, errors: [] });
  });
});

describe("errors, each with its path, all at once", () => {
  it("reports every kind of problem in one pass", () => {
    const yaml = `
server: { port: "eighty", timezone: Mars/Olympus }
serverr: {}
regions:
  - id: KZ-75
    networks: [kcell-mobile, no-such-net]
  - id: KZ-ALA
  - id: KZ-47
    colour: red
networks:
  - { id: kcell-mobile, name: Kcell, asn: 29355, kind: mobile }
  - { id: kcell-mobile, name: Kcell again, kind: mobile }
  - { id: vps, name: VPS, kind: unknown }
controls:
  - { id: CONTROL, name: Control }
  - { id: CONTROL, name: Control twice }
  - { id: KZ-47, name: Clashes with a region }
probes:
  - { id: p1, region: KZ-75, network: kcell-mobile }
  - { id: p1, region: KZ-75, network: kcell-mobile }
  - { id: p3, region: KZ-99, network: kcell-mobile }
  - { id: p4, region: KZ-75, network: ghost-net }
  - { id: p5, region: CONTROL, network: vps }
  - { id: p6, region: KZ-75, network: kcell-mobile, role: control }
  - { id: p7, region: KZ-47, network: vps, mode: sideways }
schedule: { cron: "every five minutes" }
bogonExceptions: [198.18.0.0/15, 198.18.0.1/15, 10.0.0.0/33, banana]
alerts:
  channels:
    - { type: slack, name: news, url: "https://hooks.example.org/a" }
    - { type: slack, name: news, url: "https://hooks.example.org/b", regions: [KZ-12] }
targets:
  extra:
    - { url: "https://a.example.org/", list: whitelisted, category: gov }
    - { url: "https://A.example.org", list: non_whitelisted, category: gov }
`;
    const result = check(yaml);
    expect(result.ok).toBe(false);
    const byPath = new Map<string, string[]>();
    for (const e of result.errors) byPath.set(e.path, [...(byPath.get(e.path) ?? []), e.message]);
    const expectAt = (path: string, fragment: string) => {
      expect(byPath.get(path)?.join(" | ") ?? `(nothing at ${path}; got ${[...byPath.keys()].join(", ")})`).toContain(fragment);
    };
    expectAt("server.port", "expected number");
    expectAt("server.timezone", 'unknown time zone "Mars/Olympus"');
    expectAt("serverr", 'unknown setting "serverr"');
    expectAt("regions[0].networks[1]", 'unknown network "no-such-net"');
    expectAt("regions[1].id", 'duplicate region "KZ-75" (written as "KZ-ALA")');
    expectAt("regions[2].colour", 'unknown setting "colour"');
    expectAt("networks[1].id", 'duplicate network "kcell-mobile"');
    expectAt("controls[1].id", 'duplicate control vantage "CONTROL"');
    expectAt("controls[2].id", 'control vantage id "KZ-47" is also a region id');
    expectAt("probes[1].id", 'duplicate probe "p1"');
    expectAt("probes[2].region", 'unknown region "KZ-99"');
    expectAt("probes[3].network", 'unknown network "ghost-net"');
    expectAt("probes[4].role", 'probe on control vantage "CONTROL" must have role: control');
    expectAt("probes[5].role", 'role control needs a control vantage id from controls; "KZ-75" is a region');
    expectAt("probes[6].mode", "Invalid option");
    expectAt("schedule.cron", 'invalid cron expression "every five minutes"');
    expectAt("bogonExceptions[1]", "host bits set");
    expectAt("bogonExceptions[2]", "prefix");
    expectAt("bogonExceptions[3]", "not a CIDR");
    expect(byPath.has("bogonExceptions[0]")).toBe(false);
    expectAt("alerts.channels[1].name", 'duplicate alert channel name "news"');
    expectAt("alerts.channels[1].regions[0]", 'unknown region "KZ-12"');
    expectAt("targets.extra[1].url", 'duplicate target URL "https://a.example.org/"');
  });

  it("a probe whose network is not one of its region's networks", () => {
    const result = check(BASE.replace("{ id: p1, region: KZ-75, network: kcell-mobile }", "{ id: p1, region: KZ-75, network: kt-fixed }"));
    expect(result.errors).toEqual([
      { path: "probes[0].network", message: "network \"kt-fixed\" is not one of region KZ-75's networks (kcell-mobile)" },
    ]);
  });

  it("an unknown region without names asks for names", () => {
    const result = check(BASE.replace("  - id: KZ-47\n", "  - id: RU-BEL\n"));
    expect(result.errors.map((e) => e.path)).toContain("regions[1].names");
    expect(result.errors.map((e) => e.path)).toContain("probes[1].region");
  });

  it("loadConfig throws a ConfigError carrying the list; formatConfigErrors prints one line each", () => {
    const path = files.write("bad.yaml", BASE.replace("region: KZ-47", "region: KZ-99"));
    let caught: unknown;
    try {
      loadConfig(path, { env: {} });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.errors).toEqual([{ path: "probes[1].region", message: 'unknown region "KZ-99" (not in regions or controls)' }]);
    expect(formatConfigErrors(error.errors, "bad.yaml")).toBe(
      'bad.yaml: 1 configuration error\n  probes[1].region: unknown region "KZ-99" (not in regions or controls)',
    );
    expect(error.message).toContain("probes[1].region");
  });

  it("a country without a whitelist file is an error unless fromWhitelist is off", () => {
    expect(check(`country: ZZ\n${BASE}`).errors).toEqual([
      { path: "country", message: 'no whitelist file for "ZZ" (whitelist/zz.yaml); add one or set targets.fromWhitelist: false' },
    ]);
    expect(check(`country: ZZ\ntargets: { fromWhitelist: false }\n${BASE}`).ok).toBe(true);
  });

  it("problems in the country's whitelist file are reported with its name", () => {
    const wl = tempDir();
    wl.write("kz.yaml", "version: 1\ncountry: KZ\nupdated: 2026-01-01\nwhitelisted: []\nnonWhitelisted: []\n");
    const result = checkConfigFile(files.write("wl.yaml", BASE), { env: {}, whitelistDir: wl.dir });
    expect(result.errors.map((e) => e.path)).toEqual(["whitelist/kz.yaml: whitelisted", "whitelist/kz.yaml: nonWhitelisted"]);
  });
});

describe("region codes", () => {
  it("letter codes are normalised to the numeric code in regions, probes and alert channels", () => {
    const yaml = BASE.replace("id: KZ-75", "id: KZ-ALA").replace("region: KZ-47", "region: KZ-MAN") +
      `alerts:\n  channels:\n    - { type: slack, name: s, url: "https://hooks.example.org/x", regions: [KZ-ALA, kz-man] }\n`;
    const config = loadConfig(files.write("letters.yaml", yaml), { env: {} });
    expect(config.regions.map((r) => r.id)).toEqual(["KZ-75", "KZ-47"]);
    expect(config.probes.map((p) => p.region)).toEqual(["KZ-75", "KZ-47", "CONTROL"]);
    expect(config.alerts.channels[0]?.regions).toEqual(["KZ-75", "KZ-47"]);
  });

  it("names given in the file win per language; the table fills the rest", () => {
    const yaml = BASE.replace("  - id: KZ-47\n", "  - id: KZ-47\n    names: { en: Mangghystau }\n");
    const config = loadConfig(files.write("names.yaml", yaml), { env: {} });
    expect(config.regions[1]?.names).toEqual({ kk: "Маңғыстау облысы", ru: "Мангистауская область", en: "Mangghystau" });
  });
});

describe("environment substitution", () => {
  it("fills ${VAR} and ${VAR:-default} in strings, and reports unset variables", () => {
    const yaml = `${BASE}
dataDir: \${DATA:-/var/lib/keepwatch}
redis: { url: "redis://\${REDIS_HOST}:6379" }
alerts:
  channels:
    - { type: telegram, name: tg, botToken: "\${TG_TOKEN}", chatId: "\${TG_CHAT:-42}" }
    - { type: webhook, name: wh, url: "https://hooks.example.org/w", secret: "\${NOT_SET_ANYWHERE}" }
`;
    const path = files.write("env.yaml", yaml);
    const result = checkConfigFile(path, { env: { REDIS_HOST: "127.0.0.1", TG_TOKEN: "123:abc" } });
    expect(result.errors).toEqual([
      { path: "alerts.channels[1].secret", message: "environment variable NOT_SET_ANYWHERE is not set" },
    ]);
    const config = loadConfig(path, { env: { REDIS_HOST: "127.0.0.1", TG_TOKEN: "123:abc", NOT_SET_ANYWHERE: "s".repeat(20) } });
    expect(config.dataDir).toBe("/var/lib/keepwatch");
    expect(config.redis.url).toBe("redis://127.0.0.1:6379");
    const tg = config.alerts.channels[0];
    expect(tg?.type === "telegram" && [tg.botToken, tg.chatId]).toEqual(["123:abc", "42"]);
  });
});

describe("hostile input", () => {
  it("refuses a file over 1 MiB without parsing it", () => {
    const result = checkConfigFile(files.write("huge.yaml", `# ${"x".repeat(1024 * 1024)}\n`));
    expect(result.ok).toBe(false);
    expect(result.errors[0]?.message).toMatch(/limit is 1048576/);
  });

  it("refuses an alias bomb", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 12; i++) lines.push(`${"abcdefghijklmnop"[i]}: &${"abcdefghijklmnop"[i]} [${new Array(10).fill(`*${"abcdefghijklmnop"[i - 1]}`).join(", ")}]`);
    const result = check(lines.join("\n"));
    expect(result.ok).toBe(false);
    expect(result.errors[0]?.message).toMatch(/alias/i);
  });

  it.each([
    ["a list", "- a\n- b\n", "found a list"],
    ["a scalar", "just words\n", "found a string"],
    ["a number", "42\n", "found a number"],
    ["an empty file", "", "found an empty document"],
    ["only comments", "# nothing here\n", "found an empty document"],
  ])("refuses %s as the document", (_name, text, fragment) => {
    const result = check(text);
    expect(result).toEqual({ ok: false, errors: [{ path: "", message: expect.stringContaining(fragment) as string }] });
  });

  it("reports YAML syntax errors and duplicate keys with their line", () => {
    expect(check("regions: [\n").errors[0]?.message).toMatch(/^YAML line \d+/);
    expect(check("country: KZ\ncountry: RU\n").errors[0]?.message).toMatch(/line 2.*unique/i);
  });

  it("reports absurd nesting as an error instead of overflowing the stack", () => {
    const n = 200_000;
    const result = check(`regions: ${"[".repeat(n)}${"]".repeat(n)}\n`);
    expect(result.ok).toBe(false);
    expect(result.errors.length).toBeLessThanOrEqual(20);
    expect(result.errors[0]?.message).toMatch(/^YAML line 1/);
  });

  it("refuses directories, devices and missing files without hanging", () => {
    expect(checkConfigFile(files.dir).errors[0]?.message).toBe("not a regular file");
    expect(checkConfigFile("/dev/zero").errors[0]?.message).toBe("not a regular file");
    expect(checkConfigFile(`${files.dir}/missing.yaml`).errors[0]?.message).toBe("cannot open file: ENOENT");
  });

  it("survives prototype-named keys and binary garbage", () => {
    const proto = check(`${BASE}\n__proto__: { polluted: true }\nconstructor: 1\n`);
    expect(proto.errors.map((e) => e.path).sort()).toEqual(["__proto__", "constructor"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const garbage = checkConfigFile(files.write("garbage.yaml", Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x7b, 0x5b, 0x3a])));
    expect(garbage.ok).toBe(false);
  });
});
