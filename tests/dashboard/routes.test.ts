// The dashboard sub-app over real HTTP: pages get the shell, assets are served from dashboard/ and
// node_modules (no CDN), nothing else on disk is reachable, and caching headers behave.
import { readFileSync } from "node:fs";
import { get } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chartJsPath, dashboardRoutes } from "../../src/api/routes/dashboard.js";
import { kzConfig } from "./kz-config.js";
import { startDashboardServer, type DashboardServer } from "./server.js";

let srv: DashboardServer;
beforeAll(async () => {
  srv = await startDashboardServer(kzConfig({ server: { timezone: "Asia/Aqtau" } }));
});
afterAll(async () => {
  await srv?.close();
});

describe("dashboard routes", () => {
  it("serves the same shell for every page, with the configured zone and a strict CSP", async () => {
    for (const path of ["/", "/probes", "/regions/KZ-47", "/incidents/some-id"]) {
      const res = await fetch(srv.url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      const html = await res.text();
      expect(html).toContain('<meta name="kw-timezone" content="Asia/Aqtau">');
      expect(html).toContain('src="/assets/app.js"');
      expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/); // no CDN or other outside URL
    }
  });

  it("serves Chart.js from node_modules and the dashboard modules as JavaScript", async () => {
    const chart = await fetch(`${srv.url}/assets/chart.umd.min.js`);
    expect(chart.status).toBe(200);
    expect(chart.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(Buffer.from(await chart.arrayBuffer()).equals(readFileSync(chartJsPath()))).toBe(true);
    for (const f of ["app.js", "i18n.js", "charts/incident-bands.js", "views/incident.js", "styles.css"]) {
      const res = await fetch(`${srv.url}/assets/${f}`);
      expect(res.status, f).toBe(200);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("sends gzip only to clients that accept it", async () => {
    const raw = (path: string, encoding: string) =>
      new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        get(srv.url + path, { headers: { "accept-encoding": encoding } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        }).on("error", reject);
      });
    const file = readFileSync(chartJsPath());
    const gz = await raw("/assets/chart.umd.min.js", "gzip, br");
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.body.length).toBeLessThan(file.length / 2);
    expect(gunzipSync(gz.body).equals(file)).toBe(true);
    const plain = await raw("/assets/chart.umd.min.js", "identity");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.equals(file)).toBe(true);
    expect(plain.headers["etag"]).not.toBe(gz.headers["etag"]);
  });

  it("answers a matching If-None-Match with 304", async () => {
    const first = await fetch(`${srv.url}/assets/app.js`);
    const etag = first.headers.get("etag");
    expect(etag).toBeTruthy();
    const again = await fetch(`${srv.url}/assets/app.js`, { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
  });

  it("serves nothing outside the asset list", async () => {
    for (const path of ["/assets/index.html", "/assets/../package.json", "/assets/%2e%2e/package.json", "/assets/nope.js"]) {
      const res = await fetch(srv.url + path);
      expect(res.status, path).toBe(404);
    }
    // API paths are not swallowed by the dashboard.
    const api = await fetch(`${srv.url}/api/v1/regions`);
    expect(api.headers.get("content-type")).toMatch(/json/);
  });

  it("falls back to Asia/Almaty for an invalid zone and escapes the public URL", async () => {
    const app = dashboardRoutes({ timezone: "Not/AZone", publicUrl: 'https://x.test/"><script>' });
    const html = await (await app.request("/")).text();
    expect(html).toContain('content="Asia/Almaty"');
    expect(html).not.toContain('"><script>');
    expect(html).toContain("&quot;&gt;&lt;script&gt;");
  });
});
