import { describe, expect, it } from "vitest";
import { loadConfig, DEFAULT_CONFIG_PATH } from "../../src/config/load.js";
import { configSchema } from "../../src/config/schema.js";
import { buildTargets, mergeTargets, whitelistTargets } from "../../src/config/targets.js";
import { loadWhitelist, normalizeUrl } from "../../src/config/whitelist.js";
import type { WhitelistFile } from "../../src/config/whitelist.js";
import { tempDir } from "./temp-files.js";

const entry = (url: string, category = "news") => ({
  url,
  name: url,
  category,
  source: "https://reports.example.org/1",
  date: "2022-01-08",
  certainty: "stated" as const,
  throughput: false,
});

const WHITELIST: WhitelistFile = {
  version: 1,
  country: "KZ",
  updated: "2026-01-01",
  whitelisted: [entry("https://w1.example.kz/"), entry("https://w2.example.kz/"), entry("https://w3.example.kz/")],
  nonWhitelisted: [
    { ...entry("https://n1.example.org/", "messenger"), basis: "blocked" },
    { ...entry("https://n2.example.org/", "social"), basis: "not-listed" },
  ],
};

describe("targets", () => {
  it("turns whitelist entries into targets with their list and category, honouring maxPerList per list", () => {
    expect(whitelistTargets(WHITELIST, 0)).toHaveLength(5);
    const capped = whitelistTargets(WHITELIST, 2);
    expect(capped.map((t) => [t.url, t.list, t.category])).toEqual([
      ["https://w1.example.kz/", "whitelisted", "news"],
      ["https://w2.example.kz/", "whitelisted", "news"],
      ["https://n1.example.org/", "non_whitelisted", "messenger"],
      ["https://n2.example.org/", "non_whitelisted", "social"],
    ]);
  });

  it("dedupes by normalised URL: a later entry replaces an earlier one in place", () => {
    const merged = mergeTargets(
      [{ url: "https://A.example.org", list: "whitelisted", category: "gov", throughput: false }, { url: "https://b.example.org/", list: "whitelisted", category: "gov", throughput: false }],
      [{ url: "https://a.example.org/", list: "non_whitelisted", category: "news", throughput: true }, { url: "https://c.example.org/x", list: "whitelisted", category: "gov", throughput: false }],
    );
    expect(merged.map((t) => [t.url, t.list])).toEqual([
      ["https://a.example.org/", "non_whitelisted"],
      ["https://b.example.org/", "whitelisted"],
      ["https://c.example.org/x", "whitelisted"],
    ]);
  });

  it("builds from the config: whitelist file (capped) plus extra targets, which win on the same URL", () => {
    const dir = tempDir();
    const config = configSchema.parse({
      targets: {
        maxPerList: 1,
        extra: [
          { url: "https://W1.example.kz", list: "non_whitelisted", category: "gov" },
          { url: "https://extra.example.org/", list: "whitelisted", category: "bank", throughput: true },
        ],
      },
    });
    const targets = buildTargets(config, { whitelist: WHITELIST, whitelistDir: dir.dir });
    expect(targets.map((t) => [t.url, t.list, t.category])).toEqual([
      ["https://W1.example.kz", "non_whitelisted", "gov"],
      ["https://n1.example.org/", "non_whitelisted", "messenger"],
      ["https://extra.example.org/", "whitelisted", "bank"],
    ]);
    const noWhitelist = buildTargets(configSchema.parse({ targets: { fromWhitelist: false } }));
    expect(noWhitelist).toEqual([]);
  });

  it("the default config yields every whitelist/kz.yaml entry once, each a valid target", () => {
    const config = loadConfig(DEFAULT_CONFIG_PATH, { env: {} });
    const targets = buildTargets(config);
    const kz = loadWhitelist("KZ");
    expect(targets).toHaveLength(kz.whitelisted.length + kz.nonWhitelisted.length);
    expect(new Set(targets.map((t) => normalizeUrl(t.url))).size).toBe(targets.length);
    expect(targets.filter((t) => t.list === "whitelisted").length).toBeGreaterThan(0);
    expect(targets.filter((t) => t.list === "non_whitelisted").length).toBeGreaterThan(0);
  });
});
