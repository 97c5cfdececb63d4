// The `helper` and `helpers` config blocks: an SSRF exception with a typo, a token that is not a hash, or a
// helper URL of another scheme is a configuration error with its path, not a silent default.
import { describe, expect, it } from "vitest";
import { checkConfigFile, loadConfig } from "../../src/config/load.js";
import { helperEndpoints } from "../../src/worker/from-config.js";
import { tempDir } from "./temp-files.js";

const files = tempDir();
const write = (yaml: string) => files.write(`h${Math.random().toString(36).slice(2)}.yaml`, yaml);
const HASH = "a".repeat(64);

describe("helper configuration", () => {
  it("loads a helper block and a helper list with defaults", () => {
    const config = loadConfig(write(`helper:\n  enabled: true\n  allowRanges: [198.18.0.0/15]\n  tokenHashes: ["${HASH}"]\nhelpers:\n  - { url: "https://h.example.org/api/v1/control", tokenEnv: KW_HELPER_TOKEN }\n`), { env: {} });
    expect(config.helper).toMatchObject({ enabled: true, allowRanges: ["198.18.0.0/15"], budgetSeconds: 15, rateLimit: { perMinute: 60, burst: 20 } });
    expect(helperEndpoints(config, { KW_HELPER_TOKEN: " kwp_x \n" })).toEqual([{ url: "https://h.example.org/api/v1/control", token: "kwp_x" }]);
    expect(helperEndpoints(config, {})).toEqual([{ url: "https://h.example.org/api/v1/control" }]);
  });

  it("reports bad ranges, hashes and helper URLs with their paths", () => {
    const r = checkConfigFile(write(`helper:\n  allowRanges: [198.18.0.1/15, "10.0.0.0"]\n  tokenHashes: [not-a-hash]\nhelpers:\n  - { url: "ftp://h.example.org/" }\n`), { env: {} });
    expect(r.ok).toBe(false);
    const paths = r.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["helper.allowRanges[0]", "helper.allowRanges[1]", "helper.tokenHashes[0]", "helpers[0].url"]));
  });
});
