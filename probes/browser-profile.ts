// The browser whose requests the HTTP prober imitates byte for byte, so that a middlebox matching the literal
// bytes a browser sends (`Host: example.com`, a User-Agent, a header order) treats our GET as it treats a
// person's. A profile is data captured from a real browser (scripts/capture-chrome-profile.ts writes
// probes/profiles/chrome.ts); the HTTP/1.1 head is prebuilt per host here, once per request, from it.
import { chromeProfile } from "./profiles/chrome.js";

/** One header as sent: [name in the browser's case, value]; "{host}" in a value is the request's Host. */
export type HeaderPair = readonly [string, string];
type List = readonly string[];

export interface BrowserProfile {
  /** Where it was captured, which version: shown in the README. */
  browser: string;
  capturedAt: string;
  http1: {
    /** "GET {path} HTTP/1.1". */
    requestLine: string;
    /** Headers of a navigation to an http:// URL, in order. */
    cleartext: readonly HeaderPair[];
    /** Headers of a navigation to an https:// URL over HTTP/1.1, in order. */
    secure: readonly HeaderPair[];
  };
  /** HTTP/2 headers in order, pseudo-headers first (names are lower case by the protocol). */
  h2: readonly HeaderPair[];
  /** Summary of the browser's ClientHello, for documentation and comparison with ours. */
  clientHello: {
    cipherSuites: List;
    extensions: List;
    supportedGroups: List;
    signatureAlgorithms: List;
    alpn: List;
    supportedVersions: List;
  };
}

export const DEFAULT_BROWSER_PROFILE: BrowserProfile = chromeProfile;

/** The Host header's value for a URL: host name (punycode), with the port only when not the default. */
export function hostHeader(url: URL): string {
  return url.host; // WHATWG URL omits the scheme's default port and keeps IPv6 brackets
}

const fill = (value: string, host: string) => (value === "{host}" ? host : value);

/**
 * The HTTP/1.1 headers the browser would send for `url`, as node:http's flat [name, value, name, value, ...]
 * list, which it writes in that order and case (request line "GET <path> HTTP/1.1" is node's, as the
 * profile's). An optional User-Agent overrides the profile's.
 */
export function http1Headers(profile: BrowserProfile, url: URL, userAgent?: string): string[] {
  const host = hostHeader(url);
  const headers = url.protocol === "https:" ? profile.http1.secure : profile.http1.cleartext;
  const flat: string[] = [];
  for (const [name, value] of headers) {
    flat.push(name, userAgent !== undefined && name.toLowerCase() === "user-agent" ? userAgent : fill(value, host));
  }
  return flat;
}

/** The HTTP/2 request headers for `url`, in the browser's order (pseudo-headers first). */
export function h2RequestHeaders(profile: BrowserProfile, url: URL, userAgent?: string): HeaderPair[] {
  const host = hostHeader(url);
  return profile.h2.map(([name, value]): HeaderPair => {
    if (name === ":path") return [name, `${url.pathname}${url.search}`];
    if (name === ":authority") return [name, host];
    if (name === ":scheme") return [name, url.protocol.slice(0, -1)];
    if (userAgent !== undefined && name === "user-agent") return [name, userAgent];
    return [name, fill(value, host)];
  });
}
