// What a link-preview bot, an archive or a reader without JavaScript gets from a permalink: the same HTML
// shell, with a real <title>, a description, OpenGraph and Twitter card tags, and a <noscript> body with the
// facts. Every value is escaped here; nothing from the store reaches the page as markup.
export interface ShareMeta {
  lang: "kk" | "ru" | "en";
  title: string;
  description: string;
  /** Absolute (or root-relative) canonical URL with the language. */
  url: string;
  /** An image for previews, when one can be served (PNG). */
  image?: string;
  /** The facts as lines of text, for <noscript>. */
  facts: string[];
  /** Markup put after the facts in <noscript>, already escaped by its builder (the overview's tile grid). */
  noscriptHtml?: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

const OG_LOCALE = { kk: "kk_KZ", ru: "ru_RU", en: "en_GB" } as const;

export function shareHead(m: ShareMeta): string {
  const e = escapeHtml;
  const tags = [
    `<title>${e(m.title)} · KeepWatch</title>`,
    `<meta name="description" content="${e(m.description)}">`,
    `<link rel="canonical" href="${e(m.url)}">`,
    `<meta property="og:site_name" content="KeepWatch">`,
    `<meta property="og:type" content="article">`,
    `<meta property="og:title" content="${e(m.title)}">`,
    `<meta property="og:description" content="${e(m.description)}">`,
    `<meta property="og:url" content="${e(m.url)}">`,
    `<meta property="og:locale" content="${OG_LOCALE[m.lang]}">`,
    `<meta name="twitter:card" content="${m.image ? "summary_large_image" : "summary"}">`,
    `<meta name="twitter:title" content="${e(m.title)}">`,
    `<meta name="twitter:description" content="${e(m.description)}">`,
  ];
  if (m.image) tags.push(`<meta property="og:image" content="${e(m.image)}">`, `<meta name="twitter:image" content="${e(m.image)}">`);
  return tags.join("\n  ");
}

export function shareNoscript(m: ShareMeta): string {
  return `<noscript><article class="view noscript"><h1>${escapeHtml(m.title)}</h1>\n${m.facts.map((f) => `<p>${escapeHtml(f)}</p>`).join("\n")}${m.noscriptHtml ?? ""}</article></noscript>`;
}

/** The shell with the page's head tags and noscript facts put in; the shell's own <title> is replaced. */
export function injectShare(shell: string, m: ShareMeta): string {
  return shell
    .replace(/<html lang="[^"]*">/, `<html lang="${m.lang}">`)
    .replace("<title>KeepWatch</title>", shareHead(m))
    .replace('<main id="view" tabindex="-1"></main>', `<main id="view" tabindex="-1"></main>\n  ${shareNoscript(m)}`);
}
