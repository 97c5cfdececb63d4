// One TLS SecureContext per set of trusted CAs, shared by every handshake that trusts the same set.
// tls.connect() otherwise builds a fresh context (and parses every CA PEM again) per connection, which was
// about a tenth of a site check's CPU in bench/probes.ts. A context holds only what is the same for every
// connection (the trust store, and the ClientHello's cipher, group and signature lists); SNI, ALPN and
// identity checks stay per connection.
//
// The lists are Chrome's (probes/profiles/chrome.ts, clientHello), in Chrome's order, as far as OpenSSL can
// offer them: the ClientHello then looks like a browser's to a middlebox that filters on it. What cannot be
// matched (GREASE, extension order, ECH, ALPS, certificate compression, ML-DSA) is listed in the README.
import { constants } from "node:crypto";
import { createSecureContext, type SecureContext, type SecureContextOptions } from "node:tls";

/** Chrome's TLS 1.3 then TLS 1.2 cipher suites, in its order (OpenSSL names). */
export const BROWSER_CIPHERS = [
  "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
  "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA", "AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA", "AES256-SHA",
].join(":");

/** Chrome's signature algorithms without ML-DSA, which OpenSSL before 3.5 does not know. */
export const BROWSER_SIGALGS = [
  "ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha256", "rsa_pkcs1_sha256", "ecdsa_secp384r1_sha384",
  "rsa_pss_rsae_sha384", "rsa_pkcs1_sha384", "rsa_pss_rsae_sha512", "rsa_pkcs1_sha512",
].join(":");

/** Chrome's groups; X25519MLKEM768 only where the OpenSSL Node was built with has it (3.5+). */
const GROUPS_WITH_MLKEM = "X25519MLKEM768:X25519:P-256:P-384";
const GROUPS_CLASSIC = "X25519:P-256:P-384";

let groups: string | undefined;
/** The groups this runtime can offer: tried once with ML-KEM, else the classic three. */
export function browserGroups(): string {
  if (groups === undefined) {
    try {
      createSecureContext({ ecdhCurve: GROUPS_WITH_MLKEM });
      groups = GROUPS_WITH_MLKEM;
    } catch {
      groups = GROUPS_CLASSIC;
    }
  }
  return groups;
}

function browserContext(extra: SecureContextOptions = {}): SecureContext {
  return createSecureContext({
    ...extra, ciphers: BROWSER_CIPHERS, sigalgs: BROWSER_SIGALGS, ecdhCurve: browserGroups(),
    // Chrome offers no CBC encrypt-then-MAC extension; OpenSSL does unless told not to.
    secureOptions: constants.SSL_OP_NO_ENCRYPT_THEN_MAC,
  });
}

export type CaOption = string | Buffer | Array<string | Buffer> | undefined;

// Arrays and Buffers are cached by identity (callers pass the same options object check after check);
// strings by value, in a small map, since a probe trusts a handful of CAs at most.
const byObject = new WeakMap<object, SecureContext>();
const byString = new Map<string, SecureContext>();
const MAX_STRING_KEYS = 32;
let systemDefault: SecureContext | undefined;

/** The shared context for `ca` (the system's root store when undefined). */
export function secureContextFor(ca: CaOption): SecureContext {
  if (ca === undefined) return (systemDefault ??= browserContext());
  if (typeof ca === "string") {
    let context = byString.get(ca);
    if (!context) {
      if (byString.size >= MAX_STRING_KEYS) byString.clear();
      context = browserContext({ ca });
      byString.set(ca, context);
    }
    return context;
  }
  let context = byObject.get(ca);
  if (!context) {
    context = browserContext({ ca });
    byObject.set(ca, context);
  }
  return context;
}
