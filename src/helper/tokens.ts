// Who may ask the test helper: probes, by the same bearer tokens they upload with. Two sources, either or
// both: the store's probe tokens (when the helper runs inside `keepwatch serve`, revocation applies at once)
// and a list of token sha256 hashes in `helper.tokenHashes` (a standalone helper abroad has no database;
// revoking there is removing the hash and restarting). Tokens are compared as hashes, in constant time.
import { hashesEqual } from "../api/auth.js";
import type { Store } from "../store/store.js";

export interface HelperCaller {
  /** Rate-limit key and log name: the probe id, or "token:<hash prefix>" for a configured hash. */
  id: string;
}

export interface HelperTokenSource {
  /** The caller a token hash belongs to, or null (unknown or revoked). */
  find(tokenHash: string): Promise<HelperCaller | null>;
}

export function configuredTokens(hashes: readonly string[]): HelperTokenSource {
  return {
    async find(tokenHash) {
      let match: string | null = null;
      // Compare with every hash so timing does not tell which one matched.
      for (const h of hashes) if (hashesEqual(tokenHash, h.toLowerCase())) match = h;
      return match === null ? null : { id: `token:${match.slice(0, 12)}` };
    },
  };
}

export function storeTokens(store: Pick<Store, "findProbeToken">): HelperTokenSource {
  return {
    async find(tokenHash) {
      const t = await store.findProbeToken(tokenHash);
      if (!t || t.revokedAt !== null || !hashesEqual(tokenHash, t.tokenHash)) return null;
      return { id: t.probeId };
    },
  };
}

/** The first source that knows the token. */
export function anyTokenSource(sources: readonly HelperTokenSource[]): HelperTokenSource {
  return {
    async find(tokenHash) {
      for (const s of sources) {
        const caller = await s.find(tokenHash);
        if (caller) return caller;
      }
      return null;
    },
  };
}
