// A view's state lives in its URL (language, range, network, filters), so a copied link opens the same
// view for the next reader. Views change it through go(), which replaces the query and re-renders.
import { query } from "./api.js";

/** The current path with `params` merged into its query (null/"" removes a key); lang is always kept. */
export function hrefWith(params, { path = location.pathname, search = location.search } = {}) {
  const q = Object.fromEntries(new URLSearchParams(search));
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === "") delete q[k];
    else q[k] = String(v);
  }
  return `${path}${query(q)}`;
}

/** A link to another page carrying the visitor's language, so a shared link opens in that language. */
export function link(path, lang, params = {}) {
  return `${path}${query({ ...params, lang })}`;
}

/** A UTC date-time from a URL parameter (ISO 8601 or "YYYY-MM-DDTHH:MM"), or null. */
export function parseInstant(s) {
  if (!s) return null;
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s) ? `${s}Z` : s;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** "2026-12-01T19:01:05Z": to the second, what a URL parameter carries. */
export function urlInstant(date) {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
