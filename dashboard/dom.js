// Element building without innerHTML: every value from the API lands as text, never as markup.
import { STATES, stateStyle } from "./palette.js";

/** h("a", { href: "/x", class: "y" }, "text", childNode, [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** A state badge: symbol + text on the state's colour and hatch, so it reads without colour vision. */
export function stateBadge(state, t, extraClass = "") {
  const s = stateStyle(state);
  return h(
    "span",
    { class: `badge state-${state in STATES ? state : "unknown"} ${extraClass}`.trim(), dataset: { state } },
    h("span", { class: "sym", "aria-hidden": "true" }, s.symbol),
    " ",
    t(`state.${state}`),
  );
}

/** A <time> showing UTC with the local reading underneath. */
export function timePair(dualValue, iso) {
  return h(
    "span",
    { class: "timepair" },
    h("time", { datetime: iso ?? "" }, dualValue.utc),
    dualValue.local ? h("span", { class: "local" }, dualValue.local) : null,
  );
}

export function table(headers, rows, cls = "") {
  return h(
    "table",
    { class: `tbl ${cls}`.trim() },
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
    h(
      "tbody",
      {},
      rows.map((r) => h("tr", {}, r.map((cell, i) => h("td", { "data-label": headers[i] ?? "" }, cell)))),
    ),
  );
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
}
