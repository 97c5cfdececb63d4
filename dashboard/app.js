// The dashboard shell: picks the view for the URL, keeps language and zone choices, and re-renders on
// live updates. Each view is `render(params, ctx) → Node`; the node replaces the page only once it is
// complete, so a refresh never flashes a loading state over data that is already on screen.
import { getJSON, watchChanges } from "./api.js";
import { clear, h } from "./dom.js";
import { ZONES, initialZone, isZone, offsetLabel, saveZone } from "./format.js";
import { LANGS, initialLang, saveLang, translateStatic, translator } from "./i18n.js";
import { hrefWith } from "./url-state.js";
import * as incident from "./views/incident.js";
import * as incidents from "./views/incidents.js";
import * as probes from "./views/probes.js";
import * as region from "./views/region.js";
import * as summary from "./views/summary.js";
import * as login from "./views/login.js";
import * as audit from "./views/audit.js";
import { session } from "./session.js";

const ROUTES = [
  [/^\/$/, summary.render],
  [/^\/regions\/([^/]+)\/?$/, region.render],
  [/^\/incidents\/?$/, incidents.render],
  [/^\/incidents\/([^/]+)\/?$/, incident.render],
  [/^\/probes\/?$/, probes.render],
  [/^\/login\/?$/, login.render],
  [/^\/audit\/?$/, audit.render],
];

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? "";
const serverZone = meta("kw-timezone");
// /kk/incidents/ID is the same page as /incidents/ID?lang=kk.
const prefixed = /^\/(kk|ru|en)(\/.*)?$/.exec(location.pathname);
if (prefixed) {
  const q = new URLSearchParams(location.search);
  q.set("lang", prefixed[1]);
  history.replaceState(null, "", `${prefixed[2] || "/"}?${q}`);
}
// ?lang= (a shared link) wins over the saved choice, and becomes the saved choice.
const urlLang = new URLSearchParams(location.search).get("lang");
if (LANGS.includes(urlLang)) saveLang(urlLang);
const urlZone = new URLSearchParams(location.search).get("tz");
if (urlZone && isZone(urlZone)) saveZone(urlZone);
const prefs = { lang: initialLang(), zone: initialZone(serverZone) };
const main = document.getElementById("view");
let cleanups = [];
let generation = 0;
let liveMode = "connecting";

function route() {
  for (const [re, view] of ROUTES) {
    const m = location.pathname.match(re);
    if (m) return { view, params: m.slice(1).map(decodeURIComponent) };
  }
  return null;
}

function makeCtx() {
  const t = translator(prefs.lang);
  const after = [];
  let regionsPromise = null;
  const ctx = {
    t,
    lang: prefs.lang,
    zone: prefs.zone,
    publicUrl: meta("kw-public-url") || location.origin,
    search: new URLSearchParams(location.search),
    afterMount: (fn) => after.push(fn),
    onCleanup: (fn) => cleanups.push(fn),
    // A demo (the server put its banner in the page) says so in every title, as the server-rendered one did.
    setTitle: (s) => (document.title = (document.querySelector("[data-kw-demo]") ? "DEMO · " : "") + (s ? `${s} · KeepWatch` : "KeepWatch")),
    /** /api/v1/regions, fetched at most once per render. */
    regions: () => (regionsPromise ??= getJSON("/api/v1/regions")),
    rerender: () => show(),
  };
  return { ctx, after };
}

/** Keeps the language in the address bar, so the URL a reader copies opens the page as they see it. */
function syncUrl() {
  if (new URLSearchParams(location.search).get("lang") !== prefs.lang) history.replaceState(null, "", hrefWith({ lang: prefs.lang }));
}

async function show() {
  const mine = ++generation;
  syncUrl();
  const r = route();
  const { ctx, after } = makeCtx();
  let node;
  try {
    node = r ? await r.view(...r.params, ctx) : h("p", { class: "notice" }, ctx.t("error.notFound"));
  } catch (err) {
    const notFound = err?.status === 404;
    node = h("p", { class: "notice error", role: "alert" }, notFound ? ctx.t("error.notFound") : `${ctx.t("error.load")}: ${err?.message ?? err}`);
  }
  if (mine !== generation) return; // a newer render (language switch, live event) won
  for (const fn of cleanups.splice(0)) fn();
  clear(main);
  main.append(node);
  for (const fn of after) fn();
  main.dataset.ready = String(mine);
}

function setupPrefs() {
  const langSelect = document.getElementById("lang-select");
  langSelect.value = prefs.lang;
  langSelect.addEventListener("change", () => {
    if (!LANGS.includes(langSelect.value)) return;
    prefs.lang = langSelect.value;
    saveLang(prefs.lang);
    applyShell();
    show();
  });

  const zoneSelect = document.getElementById("zone-select");
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = [...new Set([serverZone, ...ZONES, browserZone, prefs.zone].filter(Boolean))];
  const now = new Date();
  for (const z of zones) zoneSelect.append(h("option", { value: z }, `${z.replace(/_/g, " ")} (${offsetLabel(now, z)})`));
  zoneSelect.value = prefs.zone;
  zoneSelect.addEventListener("change", () => {
    prefs.zone = zoneSelect.value;
    saveZone(prefs.zone);
    show();
  });
}

function applyShell() {
  const t = translator(prefs.lang);
  document.documentElement.lang = prefs.lang;
  translateStatic(document, t);
  const live = document.getElementById("live-status");
  live.dataset.mode = liveMode;
  live.textContent = t(`live.${liveMode}`);
  // Who is signed in (a link to /login to sign out), or "Sign in"; admins also get the audit log.
  session().then((s) => {
    const acc = document.getElementById("account-link");
    acc.textContent = s.user ? `${s.user.name} (${t(`role.${s.user.role}`)})` : t("nav.signIn");
    acc.dataset.user = s.user?.name ?? "";
    const auditLink = document.getElementById("audit-link");
    auditLink.hidden = s.user?.role !== "admin";
    auditLink.textContent = t("nav.audit");
  });
  for (const a of document.querySelectorAll(".nav a")) {
    const path = a.dataset.path ?? a.getAttribute("href");
    a.dataset.path = path;
    a.setAttribute("href", `${path}?lang=${prefs.lang}`);
    const here = path === location.pathname;
    if (here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

setupPrefs();
applyShell();
show();
addEventListener("popstate", () => show());
watchChanges(
  () => show(),
  (mode) => {
    liveMode = mode;
    applyShell();
  },
);
