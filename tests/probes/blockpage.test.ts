// Block-page fingerprints: matching by title, body, address, Location and header; the shipped files load
// and validate; a bad operator file is a clear error naming the entry.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileFingerprint, detectBlockPage, loadFingerprints, parseFingerprints } from "../../probes/blockpage.js";
import type { BlockPageFingerprint } from "../../probes/blockpage.js";
import { blockPageMatchSchema } from "../../probes/types.js";

const base = { country: "KZ", source: "https://example.org/notice", date: "2026-11-22" } as const;
const fp = (extra: Omit<Partial<BlockPageFingerprint>, "id"> & { id: string }) => compileFingerprint({ ...base, ...extra });

const dir = mkdtempSync(join(tmpdir(), "kw-fp-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("detectBlockPage", () => {
  const list = [
    fp({ id: "by-title", title: "^Доступ ограничен$" }),
    fp({ id: "by-body", body: "blocked by order of the ministry" }),
    fp({ id: "by-address", addresses: ["198.18.7.7", "2001:DB8::7"] }),
    fp({ id: "by-location-host", locationHosts: ["notice.example.kz"] }),
    fp({ id: "by-location-regex", location: "^https://portal\\.example/\\?blocked=" }),
    fp({ id: "by-header", headers: { "X-Filter": "^censor/\\d" } }),
  ];

  it("matches a title case-insensitively", () => {
    expect(detectBlockPage({ title: "доступ ОГРАНИЧЕН" }, list)).toEqual({ id: "by-title", country: "KZ", matched: "title" });
    expect(detectBlockPage({ title: "Доступ ограничен частично" }, list)).toBeNull();
  });

  it("matches body text", () => {
    const m = detectBlockPage({ body: "<p>This site was Blocked by order of the Ministry.</p>" }, list);
    expect(blockPageMatchSchema.parse(m)).toEqual({ id: "by-body", country: "KZ", matched: "body" });
  });

  it("matches a DNS answer or fetch address, IPv6 in any case", () => {
    expect(detectBlockPage({ addresses: ["203.0.113.1", "198.18.7.7"] }, list)?.id).toBe("by-address");
    expect(detectBlockPage({ addresses: ["2001:db8::7"] }, list)?.matched).toBe("address");
    expect(detectBlockPage({ addresses: ["198.18.7.8"] }, list)).toBeNull();
  });

  it("matches a redirect by Location host, subdomains included but not look-alikes", () => {
    expect(detectBlockPage({ location: "http://notice.example.kz/?u=x" }, list)?.id).toBe("by-location-host");
    expect(detectBlockPage({ location: "https://a.notice.example.kz/" }, list)?.id).toBe("by-location-host");
    expect(detectBlockPage({ location: "https://evilnotice.example.kz/" }, list)).toBeNull();
    expect(detectBlockPage({ location: "https://portal.example/?blocked=1" }, list)?.id).toBe("by-location-regex");
  });

  it("matches a redirect whose host is a known block-page address", () => {
    expect(detectBlockPage({ location: "http://198.18.7.7/block.html" }, list)).toEqual({ id: "by-address", country: "KZ", matched: "location" });
  });

  it("matches a header whatever the case of its name", () => {
    expect(detectBlockPage({ headers: { "x-filter": "censor/2" } }, list)?.id).toBe("by-header");
    expect(detectBlockPage({ headers: { "X-FILTER": ["ok", "censor/9"] } }, list)?.matched).toBe("header");
    expect(detectBlockPage({ headers: { "x-filter": "proxy" } }, list)).toBeNull();
  });

  it("returns null when nothing matches", () => {
    expect(detectBlockPage({ title: "News", body: "<p>hello</p>", addresses: ["192.0.2.1"], headers: {} }, list)).toBeNull();
  });
});

describe("shipped fingerprints", () => {
  it("load, validate, and each carries a source URL and date", async () => {
    const all = await loadFingerprints();
    expect(all.length).toBeGreaterThan(10);
    for (const { fingerprint } of all) {
      expect(fingerprint.source).toMatch(/^https:\/\//);
      expect(fingerprint.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it("recognise the Russian notices they were taken from", async () => {
    const all = await loadFingerprints();
    expect(detectBlockPage({ location: "http://warning.rt.ru/?id=1&st=0" }, all)?.id).toBe("ru-rostelecom-warning");
    expect(detectBlockPage({ title: "TTK :: Доступ к ресурсу ограничен" }, all)?.id).toBe("ru-ttk-notice");
    expect(detectBlockPage({ body: "<a href=http://eais.rkn.gov.ru/>реестр</a>" }, all)?.id).toBe("ru-rkn-eais-link");
    expect(detectBlockPage({ addresses: ["62.33.207.197"] }, all)?.id).toBe("ru-rkn-dns-62-33-207");
    // A page that merely says "blocked" in Russian is not a notice (ooni/probe#2495).
    expect(detectBlockPage({ body: "IP - адрес заблокирован. Доступ заблокирован по одной из причин" }, all)).toBeNull();
  });

  it("load extra operator files after the shipped ones", async () => {
    const extra = join(dir, "extra.yaml");
    writeFileSync(extra, `fingerprints:\n  - id: kz-lab-notice\n    country: KZ\n    source: https://example.org/lab\n    date: 2026-11-22\n    title: "^Lab block$"\n`);
    const all = await loadFingerprints([extra]);
    expect(detectBlockPage({ title: "Lab block" }, all)).toEqual({ id: "kz-lab-notice", country: "KZ", matched: "title" });
  });
});

describe("fingerprint files", () => {
  const entry = (lines: string) => `fingerprints:\n  - id: good-one\n    country: RU\n    source: https://example.org/a\n    date: 2026-01-01\n    body: ok\n  -${lines}`;

  it("reject an invalid regex, naming entry and field", () => {
    const text = entry(` id: broken-regex\n    country: KZ\n    source: https://example.org/b\n    date: 2026-01-01\n    title: "([unclosed"\n`);
    expect(() => parseFingerprints(text, "ops.yaml")).toThrow(/ops\.yaml: entry #2 "broken-regex": title: not a valid regular expression/);
  });

  it("reject an entry with no matcher", () => {
    const text = entry(` id: no-matcher\n    country: KZ\n    source: https://example.org/b\n    date: 2026-01-01\n`);
    expect(() => parseFingerprints(text, "ops.yaml")).toThrow(/entry #2 "no-matcher": needs at least one of/);
  });

  it("reject a missing source, a bad date, a bad address and unknown keys", () => {
    expect(() => parseFingerprints(entry(` id: no-source\n    country: KZ\n    date: 2026-01-01\n    body: x\n`), "f")).toThrow(/"no-source": source/);
    expect(() => parseFingerprints(entry(` id: bad-date\n    country: KZ\n    source: https://e.org/\n    date: yesterday\n    body: x\n`), "f")).toThrow(/"bad-date": date/);
    expect(() => parseFingerprints(entry(` id: bad-ip\n    country: KZ\n    source: https://e.org/\n    date: 2026-01-01\n    addresses: [not-an-ip]\n`), "f")).toThrow(/"bad-ip": addresses\.0: not an IP address/);
    expect(() => parseFingerprints(entry(` id: typo\n    country: KZ\n    source: https://e.org/\n    date: 2026-01-01\n    bodyy: x\n`), "f")).toThrow(/"typo"/);
  });

  it("reject duplicate ids, broken YAML and a file without a list", () => {
    const dup = entry(` id: good-one\n    country: RU\n    source: https://example.org/a\n    date: 2026-01-01\n    body: ok\n`);
    expect(() => parseFingerprints(dup, "f")).toThrow(/duplicate id "good-one"/);
    expect(() => parseFingerprints("fingerprints: [", "f")).toThrow(/f: not valid YAML/);
    expect(() => parseFingerprints("- just: a list\n", "f")).toThrow(/"fingerprints" list/);
  });

  it("reject an operator file that redefines a shipped id", async () => {
    const clash = join(dir, "clash.yaml");
    writeFileSync(clash, `fingerprints:\n  - id: ru-rostelecom-warning\n    country: RU\n    source: https://example.org/x\n    date: 2026-01-01\n    body: x\n`);
    await expect(loadFingerprints([clash])).rejects.toThrow(/"ru-rostelecom-warning" is defined more than once/);
  });
});
