// One TLS SecureContext per set of trusted CAs, shared by every handshake that trusts the same set.
// tls.connect() otherwise builds a fresh context (and parses every CA PEM again) per connection, which was
// about a tenth of a site check's CPU in bench/probes.ts. A context holds only what is the same for every
// connection (the trust store); SNI, ALPN and identity checks stay per connection.
import { createSecureContext, type SecureContext } from "node:tls";

export type CaOption = string | Buffer | Array<string | Buffer> | undefined;

// Arrays and Buffers are cached by identity (callers pass the same options object check after check);
// strings by value, in a small map, since a probe trusts a handful of CAs at most.
const byObject = new WeakMap<object, SecureContext>();
const byString = new Map<string, SecureContext>();
const MAX_STRING_KEYS = 32;
let systemDefault: SecureContext | undefined;

/** The shared context for `ca` (the system's root store when undefined). */
export function secureContextFor(ca: CaOption): SecureContext {
  if (ca === undefined) return (systemDefault ??= createSecureContext());
  if (typeof ca === "string") {
    let context = byString.get(ca);
    if (!context) {
      if (byString.size >= MAX_STRING_KEYS) byString.clear();
      context = createSecureContext({ ca });
      byString.set(ca, context);
    }
    return context;
  }
  let context = byObject.get(ca);
  if (!context) {
    context = createSecureContext({ ca });
    byObject.set(ca, context);
  }
  return context;
}
