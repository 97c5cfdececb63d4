// Password hashing with node:crypto scrypt (memory-hard, no native add-on): scrypt$N$r$p$salt$hash, salt and
// hash base64url. Verification is constant-time, and a missing user is checked against a dummy hash so the
// response time does not tell which login names exist.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** 2^15 × 8 × 128 B = 32 MiB per hash: OWASP's scrypt minimum is 2^17 × 8 × 1 at 128 MiB; this stays within the
 * default Node memory and still costs a guesser ~50-100 ms of one core and 32 MiB per try. */
const DEFAULT = { N: 1 << 15, r: 8, p: 1 };
const KEY_BYTES = 32;
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const opts: ScryptOptions = { ...o, maxmem: 256 * o.N * o.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize("NFC"), salt, KEY_BYTES, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  return null;
}

export async function hashPassword(password: string, o = DEFAULT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, o);
  return `scrypt$${o.N}$${o.r}$${o.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/** Whether the password matches the stored hash; false for a malformed hash (never throws on one). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = FORMAT.exec(stored);
  if (!m || password.length > MAX_PASSWORD_LENGTH) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // A hash from the database, not from a client, but still bounded: no parameters that would eat the server.
  if (N < 2 || N > 1 << 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const expected = Buffer.from(m[5]!, "base64url");
  const key = await derive(password, Buffer.from(m[4]!, "base64url"), { N, r, p });
  return expected.length === key.length && timingSafeEqual(expected, key);
}

let dummy: Promise<string> | undefined;
/** Spends the same work as a real check, for a login name that does not exist; always false. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(password, await (dummy ??= hashPassword("not a password of anyone")));
  return false;
}
