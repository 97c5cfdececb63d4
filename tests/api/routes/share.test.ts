// Permalinks that survive sharing: the HTML a preview bot fetches carries the facts (title, description,
// OpenGraph, Twitter card, noscript) in the URL's language, escaped; the preview chart is a real PNG drawn
// by Chart.js on @napi-rs/canvas; the region widget can be framed only where server.embedAncestors says.
import { createCanvas, loadImage } from "@napi-rs/canvas";
import { afterEach, describe, expect, it } from "vitest";
import { WITHDRAWN } from "../../../src/incident.js";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { ago, createHarness, testConfig, testIncident, type Harness } from "../harness.js";

describe("share pages", () => {
  let h: Harness;
  afterEach(async () => h?.close());

  const setup = async (extra: Record<string, unknown> = {}) => {
    h = await createHarness({}, testConfig({ server: { publicUrl: "https://kw.example/", ...extra } }));
    const ms = [];
    for (let i = 0; i < 30; i++) {
      ms.push(fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", list: "whitelisted", startedAt: ago(i * 5) }));
      ms.push(fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", list: "non_whitelisted", url: "https://www.instagram.com/", accessible: i > 12, blocking: i > 12 ? null : "tls", startedAt: ago(i * 5) }));
    }
    await h.store.insertMeasurements(ms);
    await h.store.saveIncident(testIncident({ id: "inc-1", startedAt: ago(60), lastGoodAt: ago(65), targets: ["https://www.instagram.com/"] }));
  };

  it("puts the incident's facts into the permalink's HTML, in the URL's language", async () => {
    await setup();
    for (const path of ["/incidents/inc-1?lang=ru", "/ru/incidents/inc-1"]) {
      const html = await (await h.request(path)).text();
      expect(html, path).toContain('<html lang="ru">');
      expect(html).toContain("<title>Доступ только по белому списку: Мангистауская · KeepWatch</title>");
      expect(html).toMatch(/<meta property="og:title" content="Доступ только по белому списку: Мангистауская">/);
      expect(html).toMatch(/<meta name="description" content="Доступ только по белому списку в сети Kcell \(Мангистауская\)/);
      expect(html).toContain('<meta property="og:url" content="https://kw.example/incidents/inc-1?lang=ru">');
      expect(html).toContain('<meta property="og:image" content="https://kw.example/api/v1/incidents/inc-1/chart.png?lang=ru">');
      expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
      expect(html).toMatch(/<noscript><article[^>]*><h1>Доступ только по белому списку: Мангистауская<\/h1>/);
      expect(html).toContain("Instagram");
      expect(html).not.toContain("<title>KeepWatch</title>");
    }
    // An unknown incident still gets the app shell (the page reports "not found" itself).
    expect(await (await h.request("/incidents/nope")).text()).toContain("<title>KeepWatch</title>");
  });

  it("says a withdrawn incident is withdrawn in its preview and its JSON, in every language", async () => {
    await setup();
    const withdrawnAt = ago(5);
    const inc = testIncident({ id: "inc-gone", kind: "dark", network: null, status: "closed", startedAt: ago(60), endedAt: ago(30), revisedAt: withdrawnAt,
      revisions: [{ at: withdrawnAt, field: "status", from: "open", to: "closed", reason: `${WITHDRAWN}: measurements arrived late` }] });
    await h.store.saveIncident(inc);
    const words = { en: "Withdrawn", ru: "Отозвано", kk: "Кері алынды" } as const;
    for (const lang of ["en", "ru", "kk"] as const) {
      const html = await (await h.request(`/incidents/inc-gone?lang=${lang}`)).text();
      expect(html, lang).toMatch(new RegExp(`<meta property="og:title" content="${words[lang]} · `));
      const description = /<meta name="description" content="([^"]*)"/.exec(html)![1]!;
      expect(description.toLowerCase(), lang).toContain(words[lang].toLowerCase());
    }
    const detail = (await (await h.request("/api/v1/incidents/inc-gone")).json()) as { withdrawnAt: string | null; summaries: Record<"kk" | "ru" | "en", string> };
    expect(detail.withdrawnAt).toBe(withdrawnAt);
    expect(detail.summaries.en.startsWith("Withdrawn on ")).toBe(true);
    expect(detail.summaries.ru.startsWith("Отозвано ")).toBe(true);
    const standing = (await (await h.request("/api/v1/incidents/inc-1")).json()) as { withdrawnAt: string | null };
    expect(standing.withdrawnAt).toBeNull();

    // The preview image shades the incident's time with an orange bar on top; a withdrawn one shades nothing.
    const orange = async (id: string) => {
      const img = await loadImage(Buffer.from(await (await h.request(`/api/v1/incidents/${id}/chart.png?lang=en`)).arrayBuffer()));
      const canvas = createCanvas(img.width, img.height);
      const g = canvas.getContext("2d");
      g.drawImage(img, 0, 0);
      const data = g.getImageData(0, 0, img.width, img.height - 80).data; // above the legend
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - 231) < 8 && Math.abs(data[i + 1]! - 160) < 10 && data[i + 2]! < 20) n++;
      return n;
    };
    const sameBounds = { ...inc, id: "inc-standing", revisions: [], revisedAt: null };
    await h.store.saveIncident(sameBounds);
    expect(await orange("inc-standing")).toBeGreaterThan(100);
    expect(await orange("inc-gone")).toBe(0);
  });

  it("escapes what it puts into the page", async () => {
    await setup();
    await h.store.saveIncident(testIncident({ id: "inc-x", network: '"><script>alert(1)</script>', targets: ["<img src=x onerror=alert(1)>"] }));
    const html = await (await h.request("/incidents/inc-x?lang=en")).text();
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;script&gt;");
  });

  it("gives a region page its state per network", async () => {
    await setup();
    const html = await (await h.request("/regions/KZ-47?lang=kk")).text();
    expect(html).toMatch(/<title>Маңғыстау: [^<]+ · KeepWatch<\/title>/);
    expect(html).toContain("Kcell:");
  });

  it("serves the preview chart as a PNG drawn on the server", async () => {
    await setup();
    const res = await h.request("/api/v1/incidents/inc-1/chart.png?lang=kk");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    const png = new Uint8Array(await res.arrayBuffer());
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.length).toBeGreaterThan(10_000); // labels and a band at least
    // The lines themselves: pixels of the "other sites" colour (Okabe-Ito vermilion #D55E00) and of the
    // whitelisted blue (#0072B2), not only the band and the legend swatches.
    const img = await loadImage(Buffer.from(png));
    const canvas = createCanvas(img.width, img.height);
    const g = canvas.getContext("2d");
    g.drawImage(img, 0, 0);
    const data = g.getImageData(0, 0, img.width, img.height - 80).data; // above the legend
    let vermilion = 0;
    let blue = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, gr, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
      if (r > 190 && gr > 70 && gr < 120 && b < 40) vermilion++;
      if (r < 30 && gr > 90 && gr < 140 && b > 150) blue++;
    }
    expect(vermilion).toBeGreaterThan(500);
    expect(blue).toBeGreaterThan(500);
    expect((await h.request("/api/v1/incidents/nope/chart.png")).status).toBe(404);
  });

  it("serves an embeddable widget with the configured frame-ancestors", async () => {
    await setup({ embedAncestors: ["https://news.example", "'self'"] });
    const res = await h.request("/embed/regions/KZ-47?lang=ru");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors https://news.example 'self'");
    const html = await res.text();
    expect(html).toContain("Мангистауская");
    expect(html).toContain('data-network="kcell-mobile"');
    expect(html).not.toContain("<script");
    expect((await h.request("/embed/regions/XX-1")).status).toBe(404);
  });

  it("rejects a frame-ancestors entry that would smuggle another CSP directive", () => {
    expect(() => testConfig({ server: { embedAncestors: ["https://a.example; script-src *"] } })).toThrow();
    expect(testConfig().server.embedAncestors).toEqual(["*"]);
  });
});
