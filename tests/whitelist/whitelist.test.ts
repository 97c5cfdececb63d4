import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_WHITELIST_DIR, loadWhitelist, normalizeUrl, readWhitelist, validateWhitelist } from "../../src/config/whitelist.js";
import { ConfigError } from "../../src/config/errors.js";
import { tempDir } from "../config/temp-files.js";

const SHIPPED = readdirSync(DEFAULT_WHITELIST_DIR)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => f.slice(0, -".yaml".length).toUpperCase());

describe("shipped whitelist files", () => {
  it("include Kazakhstan and Russia", () => {
    expect(SHIPPED).toEqual(expect.arrayContaining(["KZ", "RU"]));
  });

  it.each(SHIPPED)("%s validates: sourced, dated, unique, both lists present", (country) => {
    const whitelist = loadWhitelist(country);
    expect(whitelist.country).toBe(country);
    const all = [...whitelist.whitelisted, ...whitelist.nonWhitelisted];
    for (const e of all) {
      expect(e.source, e.url).toMatch(/^https:\/\//);
      expect(new URL(e.url).protocol).toBe("https:");
    }
    // Control categories the detector's whitelist_only verdict compares against.
    const controlCategories = new Set(whitelist.nonWhitelisted.map((e) => e.category));
    expect(controlCategories.has("messenger")).toBe(true);
    expect(controlCategories.has("dev-infra")).toBe(true);
    expect(controlCategories.has("search") || controlCategories.has("reference")).toBe(true);
  });

  it("KZ holds the January 2022 SMS list and the messengers blocked from 4 January", () => {
    const kz = loadWhitelist("KZ");
    const hosts = (list: { url: string }[]) => list.map((e) => new URL(e.url).hostname.replace(/^www\./, ""));
    expect(hosts(kz.whitelisted)).toEqual(expect.arrayContaining(["tengrinews.kz", "inform.kz", "baq.kz", "24.kz", "stopfake.kz", "qazaqstan.tv"]));
    expect(hosts(kz.nonWhitelisted)).toEqual(expect.arrayContaining(["web.whatsapp.com", "telegram.org", "signal.org"]));
  });

  it("RU marks Telegram and Google as not on the list", () => {
    const ru = loadWhitelist("RU");
    const control = ru.nonWhitelisted.map((e) => new URL(e.url).hostname);
    expect(control).toEqual(expect.arrayContaining(["telegram.org", "www.google.com"]));
    expect(ru.whitelisted.some((e) => new URL(e.url).hostname === "www.gosuslugi.ru")).toBe(true);
  });
});

describe("whitelist validation errors", () => {
  const good = {
    version: 1,
    country: "KZ",
    updated: "2026-01-01",
    whitelisted: [{ url: "https://a.example.kz/", name: "A", category: "news", source: "https://r.example.org/", date: "2022-01", certainty: "stated" }],
    nonWhitelisted: [{ url: "https://b.example.org/", name: "B", category: "messenger", source: "https://r.example.org/", date: "2022-01-04", certainty: "mapped", basis: "blocked" }],
  };

  it("accepts a minimal file, with a month-only date", () => {
    expect(validateWhitelist(good, "KZ").ok).toBe(true);
  });

  it("reports each bad field with its path", () => {
    const bad = {
      ...good,
      extra: 1,
      whitelisted: [{ ...good.whitelisted[0], url: "ftp://a.example.kz/", date: "2022-13-01", certainty: "sure", category: "News" }],
      nonWhitelisted: [{ ...good.nonWhitelisted[0], basis: undefined, source: undefined }],
    };
    const result = validateWhitelist(bad, "KZ");
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.errors.map((e) => e.path).sort();
    expect(paths).toEqual([
      "",
      "nonWhitelisted[0].basis",
      "nonWhitelisted[0].source",
      "whitelisted[0].category",
      "whitelisted[0].certainty",
      "whitelisted[0].date",
      "whitelisted[0].url",
    ]);
  });

  it("rejects a URL listed twice (even across lists) and a file for another country", () => {
    const twice = { ...good, country: "RU", nonWhitelisted: [{ ...good.nonWhitelisted[0], url: "https://A.example.kz" }] };
    const result = validateWhitelist(twice, "KZ");
    expect(result.ok ? [] : result.errors).toEqual([
      { path: "country", message: 'file is for "RU" but was loaded for "KZ"' },
      { path: "nonWhitelisted[0].url", message: 'duplicate URL "https://A.example.kz" (also at whitelisted[0].url)' },
    ]);
  });

  it("takes a fully-qualified name (trailing dot), upper case, a default port or a fragment for the same URL", () => {
    // A careless edit: the control list gets the whitelisted site again, copied from `dig` output.
    for (const url of ["https://A.EXAMPLE.KZ./", "https://a.example.kz:443", "https://a.example.kz/#top"]) {
      const twice = { ...good, nonWhitelisted: [{ ...good.nonWhitelisted[0], url }] };
      const result = validateWhitelist(twice, "KZ");
      expect(result.ok ? [] : result.errors.map((e) => e.path), url).toEqual(["nonWhitelisted[0].url"]);
    }
    expect(normalizeUrl("https://Tengrinews.KZ./")).toBe("https://tengrinews.kz/");
    expect(normalizeUrl("https://яндекс.рф./новости#x")).toBe("https://xn--d1acpjx3f.xn--p1ai/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8");
  });

  it("loadWhitelist throws a ConfigError naming the file", () => {
    const dir = tempDir();
    dir.write("xx.yaml", "- not\n- a mapping\n");
    expect(readWhitelist("XX", dir.dir)).toEqual({ ok: false, errors: [{ path: "whitelist/xx.yaml", message: "expected a mapping of settings at the top level, found a list" }] });
    expect(() => loadWhitelist("XX", dir.dir)).toThrow(ConfigError);
    expect(() => loadWhitelist("YY", dir.dir)).toThrow(/cannot open file: ENOENT/);
  });
});
