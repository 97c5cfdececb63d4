// The analysts' part of an incident page: "verified by <name> at <time>" (or not yet), the notes (plain text:
// every note lands as a text node, never as markup), and for analysts and admins the forms to add a note and
// to mark or withdraw the verification.
import { getJSON } from "../api.js";
import { h, timePair } from "../dom.js";
import { dual } from "../format.js";
import { session, write } from "../session.js";

const both = (iso, zone) => {
  const d = dual(iso, zone);
  return d.local ? `${d.utc} (${d.local})` : d.utc;
};

export function verificationLine(v, ctx) {
  return v
    ? h("span", { class: "verified", "data-testid": "verified" }, ctx.t("verify.by", { name: v.verifiedBy, time: both(v.verifiedAt, ctx.zone) }))
    : h("span", { class: "unverified", "data-testid": "unverified" }, ctx.t("verify.none"));
}

export async function analysisSection(incidentId, ctx) {
  const { t, zone } = ctx;
  const path = `/api/v1/incidents/${encodeURIComponent(incidentId)}/notes`;
  const [data, s] = await Promise.all([getJSON(path).catch(() => ({ notes: [], verification: null })), session()]);
  const canWrite = s.user && (s.user.role === "analyst" || s.user.role === "admin");
  const error = h("p", { class: "notice error", role: "alert", hidden: true });
  const act = (fn) => async (ev) => {
    ev.preventDefault();
    try {
      await fn();
      ctx.rerender();
    } catch (err) {
      error.hidden = false;
      error.textContent = t("verify.failed", { msg: err.message });
    }
  };
  const notes = data.notes.length
    ? h("ul", { class: "notes-list", "data-testid": "notes" }, data.notes.map((n) => h("li", { class: "note", dataset: { note: n.id } },
      h("span", { class: "muted" }, n.author, ", ", timePair(dual(n.createdAt, zone), n.createdAt)),
      h("p", { class: "note-text" }, n.text))))
    : h("p", { class: "muted" }, t("notes.none"));
  let forms = null;
  if (canWrite) {
    const text = h("textarea", { name: "text", maxlength: 4000, required: true, placeholder: t("notes.placeholder"), "aria-label": t("notes.add") });
    const noteForm = h("form", { class: "note-form", "data-testid": "note-form" }, text, h("button", { type: "submit", class: "button" }, t("notes.add")));
    noteForm.addEventListener("submit", act(() => write("POST", path, { text: text.value })));
    const verify = data.verification
      ? h("button", { type: "button", class: "button", "data-testid": "unverify" }, t("verify.undo"))
      : h("button", { type: "button", class: "button", "data-testid": "verify" }, t("verify.do"));
    verify.addEventListener("click", act(() => write(data.verification ? "DELETE" : "PUT", `/api/v1/incidents/${encodeURIComponent(incidentId)}/verification`)));
    forms = h("div", {}, verify, noteForm);
  }
  return {
    verification: data.verification,
    section: h("section", { class: "analysis", "data-testid": "analysis" }, h("h2", {}, t("notes.title")), notes, forms, error),
  };
}
