// What a demo's data says about itself wherever it may travel without the page around it: a copied summary,
// a downloaded JSON or CSV, an embedded widget, a preview image. The X-KeepWatch-Demo header is lost the
// moment a journalist copies a body; these words are not.
export type DemoLang = "kk" | "ru" | "en";

export const DEMO_LABEL: Record<DemoLang, string> = {
  en: "DEMO (synthetic data, nothing measured)",
  ru: "ДЕМО (синтетические данные, ничего не измерено)",
  kk: "ДЕМО (синтетикалық деректер, ештеңе өлшенбеген)",
};

/** `text` with the demo label in front, in the text's language. */
export function demoPrefixed(text: string, lang: DemoLang): string {
  return `${DEMO_LABEL[lang]}: ${text}`;
}
