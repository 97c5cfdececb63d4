// Turning response bytes into text a fingerprint can match: the charset the server declared (header, then
// <meta>), falling back to UTF-8, and the page <title> with entities decoded. Russian and Kazakh notices
// are often windows-1251 or KOI8-R, so the declared charset matters.

function charsetFromContentType(contentType: string | undefined): string | null {
  const m = /charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType ?? "");
  return m?.[1] ?? null;
}

function charsetFromMeta(head: string): string | null {
  const m = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head);
  return m?.[1] ?? null;
}

// Decoders by label, built once: decode() without { stream: true } keeps no state between calls.
const decoders = new Map<string, TextDecoder | null>();
const MAX_DECODERS = 64; // labels come from pages: a hostile server must not grow this without bound

function decoderFor(label: string | null): TextDecoder | null {
  if (label === null) return null;
  const key = label.toLowerCase();
  let decoder = decoders.get(key);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(key);
    } catch {
      decoder = null; // unknown label: fall back to UTF-8
    }
    if (decoders.size >= MAX_DECODERS) decoders.clear();
    decoders.set(key, decoder);
  }
  return decoder;
}

/** Decode a (possibly truncated) body to text. Never throws: undecodable bytes become U+FFFD. */
export function decodeBody(body: Uint8Array, contentType: string | undefined): string {
  // <meta charset> sits in the first kilobyte or so; ASCII-compatible charsets read it the same way.
  const head = decoderFor("latin1")!.decode(body.subarray(0, 2048));
  const decoder = decoderFor(charsetFromContentType(contentType)) ?? decoderFor(charsetFromMeta(head)) ?? decoderFor("utf-8")!;
  return decoder.decode(body);
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref.startsWith("#")) {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/** The text of the first <title>, entities decoded, whitespace collapsed and trimmed; null if there is none. */
export function extractTitle(text: string): string | null {
  const m = /<title[^>]*>([\s\S]*?)<\/title\s*>/i.exec(text);
  if (!m) return null;
  return decodeEntities(m[1] ?? "").replace(/\s+/g, " ").trim();
}
