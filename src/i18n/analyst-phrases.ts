// Words of the analysts' layer on server-rendered pages and previews (the dashboard has its own copy in
// dashboard/i18n-analysts.js): the "verified by" line and the heading of notes.
type Lang = "kk" | "ru" | "en";

export const ANALYST_PHRASES: Record<Lang, { verified: (name: string, at: string) => string; unverified: string; note: (name: string, at: string) => string }> = {
  en: { verified: (n, at) => `Verified by ${n} at ${at}`, unverified: "Not verified by an analyst yet", note: (n, at) => `Note by ${n}, ${at}` },
  ru: { verified: (n, at) => `Проверено: ${n}, ${at}`, unverified: "Аналитик ещё не проверил", note: (n, at) => `Заметка ${n}, ${at}` },
  kk: { verified: (n, at) => `Тексерген: ${n}, ${at}`, unverified: "Талдаушы әлі тексерген жоқ", note: (n, at) => `${n} жазбасы, ${at}` },
};
