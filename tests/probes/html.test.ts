import { describe, expect, it } from "vitest";
import { decodeBody, extractTitle } from "../../probes/html.js";

// "Доступ ограничен" (access restricted) in windows-1251, as Russian block pages are often served.
const cp1251 = Buffer.from([0xc4, 0xee, 0xf1, 0xf2, 0xf3, 0xef, 0x20, 0xee, 0xe3, 0xf0, 0xe0, 0xed, 0xe8, 0xf7, 0xe5, 0xed]);
const page = (head: string) => Buffer.concat([Buffer.from(`<html><head>${head}<title>`), cp1251, Buffer.from("</title></head></html>")]);

describe("decodeBody and extractTitle", () => {
  it("decodes by the header's charset, then <meta>, else UTF-8, the same on every call", () => {
    for (let i = 0; i < 3; i++) { // decoders are reused: no state may leak from one page to the next
      expect(extractTitle(decodeBody(page(""), "text/html; charset=windows-1251"))).toBe("Доступ ограничен");
      expect(extractTitle(decodeBody(page('<meta charset="WINDOWS-1251">'), "text/html"))).toBe("Доступ ограничен");
      expect(extractTitle(decodeBody(page(""), "text/html"))).toContain("\uFFFD"); // read as UTF-8
    }
  });

  it("falls back to UTF-8 for a charset no decoder knows, and never throws on a hostile label", () => {
    const utf8 = Buffer.from("<title>Заблокировано &amp; more</title>");
    expect(extractTitle(decodeBody(utf8, "text/html; charset=x-not-a-charset"))).toBe("Заблокировано & more");
    for (let i = 0; i < 200; i++) expect(() => decodeBody(utf8, `text/html; charset=bogus-${i}`)).not.toThrow();
  });
});
