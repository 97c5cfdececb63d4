// The server's seal on a network attribution: an HMAC over probe id, ASN, country and time, so the server
// believes only attributions it made itself (an upload cannot claim a network). The key is random, kept in
// the store's state (shared by every API server of one deployment), made on first use.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Store } from "../store/store.js";

const KEY_STATE = "attribution.sealKey";

export interface SealedFacts {
  probeId: string;
  asn: number | null;
  country: string | null;
  confirmedAt: string;
}

export class AttributionSeal {
  constructor(private readonly key: Buffer) {}

  seal(f: SealedFacts): string {
    return createHmac("sha256", this.key).update(JSON.stringify([f.probeId, f.asn, f.country, f.confirmedAt])).digest("base64url");
  }

  verify(f: SealedFacts, seal: string): boolean {
    const want = Buffer.from(this.seal(f));
    const got = Buffer.from(seal);
    return got.length === want.length && timingSafeEqual(got, want);
  }
}

/**
 * The deployment's seal key: read from the store, else made and stored. Two servers starting at once may
 * both make one; each then re-reads what the store kept, so at most the seals of that first moment differ
 * (an unverifiable seal costs nothing: the measurement counts as one without attribution).
 */
export async function loadSeal(store: Pick<Store, "getState" | "setState">): Promise<AttributionSeal> {
  let stored = await store.getState(KEY_STATE);
  if (stored === null) {
    await store.setState(KEY_STATE, randomBytes(32).toString("base64"));
    stored = await store.getState(KEY_STATE);
  }
  const key = Buffer.from(stored ?? "", "base64");
  if (key.length < 32) throw new Error(`store state ${KEY_STATE} is not a 32-byte key`);
  return new AttributionSeal(key);
}
