// `keepwatch measure --list FILE` as an operator writes the file: saved by a Windows editor (BOM, CRLF), with
// blank lines, comments, and the same site twice in another spelling.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readTargetList } from "../../src/cli/target-list.js";

const dir = mkdtempSync(join(tmpdir(), "kw-measure-list-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readTargetList", () => {
  it("reads a BOM, CRLF, blank lines and comments, and measures one site once however it is spelled", async () => {
    const file = join(dir, "sites.txt");
    writeFileSync(file, "\uFEFF# sites to check\r\nhttps://tengrinews.kz/\r\n\r\n  https://t.me/  # messenger\r\nHTTPS://TENGRINEWS.KZ./\r\nhttps://tengrinews.kz:443\r\nhttps://яндекс.рф/\r\n");
    const urls = (await readTargetList(file)).map((t) => t.url);
    expect(urls).toHaveLength(3);
    expect(urls[1]).toBe("https://t.me/");
    expect(urls[2]).toBe("https://яндекс.рф/");
    expect(urls.every((u) => !u.startsWith("\uFEFF") && !u.endsWith("\r"))).toBe(true);
  });
});
