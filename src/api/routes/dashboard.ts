// The dashboard: a client-side rendered UI (plain JS modules in dashboard/, no build step) served by Hono.
// Pages share one HTML shell; the browser fetches everything else from /api/v1. Files are read once at
// start so a request never touches the disk, and Chart.js comes from node_modules (no CDN at run time).
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";
import { packagePath } from "../../package-root.js";
import { Hono } from "hono";
import type { Context } from "hono";
import type { SiteNotice } from "../deps.js";
import { injectShare, type ShareMeta } from "../share-page.js";

export interface DashboardOptions {
  /** IANA zone the dashboard shows next to UTC unless the visitor picks another (config server.timezone). */
  timezone?: string;
  /** Public base URL used in citation lines; the page's own origin when absent. */
  publicUrl?: string;
  /** Directory holding index.html and the assets; defaults to the repository's dashboard/. */
  dir?: string;
  /** Preview facts for a page (incident and region permalinks); null serves the plain shell. */
  share?: (c: Context) => Promise<ShareMeta | null>;
  /** A banner on every page, rendered by the server (seen without JavaScript and in link previews' HTML). */
  notice?: SiteNotice;
}

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  /** Compressed once at start; null when compression does not pay (images, tiny files). */
  gzip: Uint8Array<ArrayBuffer> | null;
  type: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

// Scripts and styles only from this origin; the API is same-origin too.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'self'";

const DEFAULT_DIR = packagePath("dashboard");

export function chartJsPath(): string {
  // chart.js does not export its UMD file as a subpath, so resolve the package and step to its dist/.
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("chart.js")), "chart.umd.min.js");
}

function asset(bytes: Uint8Array, type: string): Asset {
  // A copy with its own ArrayBuffer: what Response accepts as a body.
  const body = new Uint8Array(bytes);
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  // Probes' regions are where bandwidth is scarce when this page matters: Chart.js shrinks about 3x.
  const compressed = type.startsWith("text/") || type.includes("json") || type.includes("svg") ? gzipSync(body, { level: 9 }) : null;
  const gzip = compressed && compressed.byteLength < body.byteLength * 0.9 ? new Uint8Array(compressed) : null;
  return { body, gzip, type, etag };
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) {
        walk(full);
        continue;
      }
      const type = CONTENT_TYPES[extname(name)];
      if (!type) continue; // index.html is the shell, served separately; anything unknown is not public
      assets.set("/assets/" + relative(dir, full).split(sep).join("/"), asset(readFileSync(full), type));
    }
  };
  walk(dir);
  const chart = readFileSync(chartJsPath());
  assets.set("/assets/chart.umd.min.js", asset(chart, CONTENT_TYPES[".js"]!));
  return assets;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const DEMO_BANNER =
  '<strong lang="en">DEMO: synthetic data, nothing here was measured.</strong> ' +
  '<span lang="ru">ДЕМО: синтетические данные, ничего не измерено.</span> ' +
  '<span lang="kk">ДЕМО: синтетикалық деректер, ештеңе өлшенбеген.</span>';

/** The shell with the notice banner, first thing in <body>. */
function withNotice(html: string, notice: SiteNotice | undefined): string {
  if (!notice || (!notice.demo && !notice.text)) return html;
  const parts: string[] = [];
  if (notice.demo) parts.push(`<div class="kw-notice kw-notice-demo" role="alert" data-kw-demo="1">${DEMO_BANNER}</div>`);
  if (notice.text) parts.push(`<div class="kw-notice" role="status" lang="en">${escapeAttr(notice.text)}</div>`);
  return html.replace(/<body([^>]*)>/, (m) => `${m}\n  ${parts.join("\n  ")}`);
}

/** In a demo, every page title (and a permalink's preview title) starts with "DEMO · ". */
function demoTitles(html: string, notice: SiteNotice | undefined): string {
  if (!notice?.demo) return html;
  return html
    .replace(/<title>/, "<title>DEMO · ")
    .replace(/(<meta (?:property|name)="(?:og|twitter):title" content=")/g, "$1DEMO · ");
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function dashboardRoutes(opts: DashboardOptions = {}): Hono {
  const dir = opts.dir ?? DEFAULT_DIR;
  const zone = opts.timezone && validZone(opts.timezone) ? opts.timezone : "Asia/Almaty";
  const shell = withNotice(readFileSync(join(dir, "index.html"), "utf8")
    .replace("{{TIMEZONE}}", escapeAttr(zone))
    .replace("{{PUBLIC_URL}}", escapeAttr(opts.publicUrl ?? "")), opts.notice);
  const shellAsset = asset(new TextEncoder().encode(demoTitles(shell, opts.notice)), "text/html; charset=utf-8");
  const assets = loadAssets(dir);

  const send = (c: Context, a: Asset, cache: string): Response => {
    const gzip = a.gzip !== null && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
    // Each encoding is its own representation, with its own validator.
    const etag = gzip ? `${a.etag.slice(0, -1)}-gz"` : a.etag;
    const headers: Record<string, string> = {
      "content-type": a.type,
      etag,
      "cache-control": cache,
      "x-content-type-options": "nosniff",
      vary: "Accept-Encoding",
    };
    if (gzip) headers["content-encoding"] = "gzip";
    if (a.type.startsWith("text/html")) {
      headers["content-security-policy"] = CSP;
      headers["referrer-policy"] = "same-origin";
    }
    const inm = c.req.header("if-none-match");
    if (inm !== undefined && inm.split(",").some((v) => v.trim().replace(/^W\//, "") === etag)) {
      return new Response(null, { status: 304, headers });
    }
    const body = gzip ? a.gzip! : a.body;
    return new Response(c.req.method === "HEAD" ? null : body, { status: 200, headers });
  };

  const app = new Hono();
  const page = (c: Context): Response => send(c, shellAsset, "no-cache");
  // Permalinks carry their facts in the HTML (title, description, OpenGraph, noscript) for previews.
  const permalink = async (c: Context): Promise<Response> => {
    const meta = opts.share ? await opts.share(c).catch(() => null) : null;
    if (!meta) return page(c);
    return send(c, asset(new TextEncoder().encode(demoTitles(injectShare(shell, meta), opts.notice)), "text/html; charset=utf-8"), "no-cache");
  };
  app.get("/", permalink);
  app.get("/probes", page);
  app.get("/login", page);
  app.get("/audit", page);
  app.get("/regions/:id", permalink);
  app.get("/incidents", page);
  app.get("/incidents/:id", permalink);
  for (const lang of ["kk", "ru", "en"]) {
    app.get(`/${lang}/regions/:id`, permalink);
    app.get(`/${lang}/incidents/:id`, permalink);
    app.get(`/${lang}/incidents`, page);
    app.get(`/${lang}/probes`, page);
    app.get(`/${lang}/login`, page);
    app.get(`/${lang}/audit`, page);
    app.get(`/${lang}`, permalink);
  }
  app.get("/assets/*", (c) => {
    const a = assets.get(c.req.path);
    if (!a) return c.text("not found", 404);
    // Short cache plus ETag: deployments change files without renaming them.
    return send(c, a, "public, max-age=300");
  });
  return app;
}
