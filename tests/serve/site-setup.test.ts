// Safe first start: the shipped configuration's local probe measures nothing until `keepwatch setup` said
// where the machine is. Unit checks of the setup file, then the real `startServer` on the shipped config
// (its targets swapped for a loopback one, so even a broken safety could not send a packet off this machine).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import type { KeepWatchConfig } from "../../src/config/schema.js";
import { createLogger } from "../../src/log.js";
import { packagePath } from "../../src/package-root.js";
import { startServer } from "../../src/serve/server.js";
import { applySiteSetup, readSiteSetup, SiteSetupError, setupPath, writeSiteSetup } from "../../src/serve/site-setup.js";

const shipped = () => loadConfig(packagePath("config", "default.yaml"));

describe("site setup", () => {
  it("leaves the shipped config's local probe out until confirmed, and keeps remote probes", () => {
    const { config, unconfirmed } = applySiteSetup(shipped(), null);
    expect(unconfirmed.map((p) => p.id)).toEqual(["local-1"]);
    expect(config.probes.map((p) => p.id)).toEqual(["control-1"]);
  });

  it("moves the confirmed probe to the region and network the operator gave (old letter codes too)", () => {
    const { config, unconfirmed } = applySiteSetup(shipped(), { probe: "local-1", region: "KZ-MAN", network: "kcell-mobile", confirmedAt: "2026-12-01T00:00:00Z" });
    expect(unconfirmed).toEqual([]);
    expect(config.probes.find((p) => p.id === "local-1")).toMatchObject({ region: "KZ-47", network: "kcell-mobile", confirmed: true, mode: "local" });
  });

  it("refuses what the configuration does not have, with a suggestion", () => {
    const at = "2026-12-01T00:00:00Z";
    expect(() => applySiteSetup(shipped(), { probe: "local-1", region: "KZ-470", network: "kcell-mobile", confirmedAt: at })).toThrow(/unknown region "KZ-470" \(did you mean "KZ-47"\?\)/);
    expect(() => applySiteSetup(shipped(), { probe: "local-1", region: "KZ-47", network: "kcel-mobile", confirmedAt: at })).toThrow(/did you mean "kcell-mobile"/);
    // Almaty's networks are listed in the shipped config: another network there is refused.
    expect(() => applySiteSetup(shipped(), { probe: "local-1", region: "KZ-75", network: "kcell-mobile", confirmedAt: at })).toThrow(/not measured in KZ-75/);
    expect(() => applySiteSetup(shipped(), { probe: "control-1", region: "KZ-47", network: "kcell-mobile", confirmedAt: at })).toThrow(/no local probe "control-1"/);
  });

  it("reports a damaged setup file clearly instead of measuring somewhere", () => {
    const dir = mkdtempSync(join(tmpdir(), "kw-setup-"));
    try {
      expect(readSiteSetup(dir)).toBeNull();
      writeFileSync(setupPath(dir), "probe: [unclosed\n");
      expect(() => readSiteSetup(dir)).toThrow(SiteSetupError);
      writeFileSync(setupPath(dir), "probe: local-1\nregion: KZ-47\n");
      expect(() => readSiteSetup(dir)).toThrow(/damaged \(network:/);
      writeSiteSetup(dir, { probe: "local-1", region: "KZ-47", network: "kcell-mobile", confirmedAt: "2026-12-01T00:00:00Z" });
      expect(readSiteSetup(dir)).toMatchObject({ region: "KZ-47", network: "kcell-mobile" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("keepwatch serve on the shipped configuration", () => {
  let site: Server;
  let hits = 0;
  let target: string;
  const dirs: string[] = [];
  beforeAll(async () => {
    site = createServer((_req, res) => {
      hits++;
      res.end("ok");
    });
    await new Promise<void>((r) => site.listen(0, "127.0.0.1", () => r()));
    target = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => site.close(() => r()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const config = (dataDir: string): KeepWatchConfig => ({
    ...shipped(),
    dataDir,
    targets: { fromWhitelist: false, maxPerList: 0, extra: [{ url: target, list: "whitelisted", category: "gov", throughput: false }] },
    // The loopback target is "bogon" to the probe; allowed here like a lab does.
    bogonExceptions: ["127.0.0.0/8"],
  });

  it("starts for real but schedules and measures nothing, and says so on every page and in the log", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kw-safe-"));
    dirs.push(dir);
    const lines: string[] = [];
    const log = createLogger({ level: "info", format: "json", destination: { write: (l: string) => void lines.push(l) } });
    const server = await startServer({ config: config(dir), dataDir: dir, port: 0, host: "127.0.0.1", log, detectorIntervalMs: 3_600_000 });
    try {
      expect(server.unconfirmedProbes).toEqual(["local-1"]);
      const redis = new Redis(server.redisUrl);
      try {
        // The scheduler ticks once it holds its lease (at once on one machine): the remote control probe
        // gets its job, the local probe none.
        const until = Date.now() + 15_000;
        while ((await redis.keys("bull:measure-CONTROL-control-1:*")).length === 0 && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 100));
        }
        expect((await redis.keys("bull:measure-CONTROL-control-1:*")).length).toBeGreaterThan(0);
        expect(await redis.keys("bull:measure-*local-1*")).toEqual([]);
      } finally {
        redis.disconnect();
      }
      await new Promise((r) => setTimeout(r, 1_500));
      expect(hits).toBe(0);
      expect(await server.store.listProbes()).toEqual([]);
      const page = await (await fetch(`${server.url}/`)).text();
      expect(page).toMatch(/<body[^>]*>\s*<div class="kw-notice" role="status" lang="en">KeepWatch is not measuring from this machine yet/);
      expect(page).toContain("keepwatch setup --region &lt;id&gt; --network &lt;id&gt;");
      const incidentPage = await (await fetch(`${server.url}/ru/incidents`)).text();
      expect(incidentPage).toContain("kw-notice");
      expect(lines.join("")).toContain("KeepWatch is not measuring from this machine yet: the local probe local-1 would be counted as KZ-75 on local-fixed");
    } finally {
      await server.stop();
    }
  }, 120_000);

  it("measures as the confirmed region and network once keepwatch setup wrote it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kw-safe-"));
    dirs.push(dir);
    writeSiteSetup(dir, { probe: "local-1", region: "KZ-47", network: "kcell-mobile", confirmedAt: new Date().toISOString() });
    const server = await startServer({ config: config(dir), dataDir: dir, port: 0, host: "127.0.0.1", log: createLogger({ level: "silent" }), detectorIntervalMs: 3_600_000 });
    try {
      expect(server.unconfirmedProbes).toEqual([]);
      const end = Date.now() + 60_000;
      let probes = await server.store.listProbes();
      while (probes.length === 0 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 200));
        probes = await server.store.listProbes();
      }
      expect(probes.map((p) => ({ id: p.id, region: p.region }))).toEqual([{ id: "local-1", region: "KZ-47" }]);
      expect(hits).toBeGreaterThan(0);
      expect(await (await fetch(`${server.url}/`)).text()).not.toContain("kw-notice");
    } finally {
      await server.stop();
    }
    expect(readFileSync(setupPath(dir), "utf8")).toContain("region: KZ-47");
  }, 120_000);
});
