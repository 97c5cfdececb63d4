// Phrases by language code.
import { en } from "./en.js";
import { kk } from "./kk.js";
import { ru } from "./ru.js";
import type { Language, Phrases } from "./phrases.js";

export { LANGUAGES, type Language, type Phrases } from "./phrases.js";

export const PHRASES: Record<Language, Phrases> = { kk, ru, en };
