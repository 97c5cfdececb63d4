// Configuration of the HTTP server: address, admin token, proxy trust, clock skew, IP-to-ASN data, the
// dashboard's privacy and embedding. Part of the configuration schema (./schema.ts).
import { z } from "zod";

export const serverConfigSchema = z.object({
  host: z.string().default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(8080),
  /** Display zone for the dashboard; times in the API are always UTC. */
  timezone: z.string().default("Asia/Almaty"),
  /** sha256 hex of the admin bearer token (`keepwatch token hash`), or set KEEPWATCH_ADMIN_TOKEN. */
  adminTokenHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  publicUrl: z.string().url().optional(),
  /**
   * Behind a reverse proxy that sets X-Forwarded-For: take the uploader's address from it (every address
   * in it is scrubbed from uploads). Off: only the socket's peer address counts; the header is ignored.
   */
  trustProxy: z.boolean().default(false),
  /** Uploads dated more than this after the server's receive time are rejected (probe clocks drift). */
  maxClockSkewSeconds: z.number().int().min(0).max(86_400).default(600),
  /**
   * Directory with the IP-to-ASN CSV files (asn-ipv4-num.csv, asn-ipv6-num.csv, asn-country-ipv4-num.csv,
   * asn-country-ipv6-num.csv) used to tell agents which network their address is in; unset = the
   * @ip-location-db npm packages installed with KeepWatch.
   */
  ipToAsnData: z.string().min(1).optional(),
  /**
   * A private dashboard: every page, read endpoint and the event stream need a signed-in user (a session
   * from /login, or a user's read token as Bearer kwu_…). Uploads, agents, enrollment, admin tokens,
   * health and /metrics are unaffected. Off (default): reads are public; accounts are still needed to write notes.
   */
  private: z.boolean().default(false),
  /** How long a login session lasts (hours); a new password, a new role or disabling ends it sooner. */
  sessionHours: z.number().min(0.1).max(24 * 30).default(12),
  /**
   * CSP frame-ancestors of the embeddable widget (/embed/regions/ID): "*" lets any site embed it; list
   * origins ("https://news.example") to restrict. Each entry is one CSP source, no spaces or separators.
   */
  embedAncestors: z.array(z.string().regex(/^(\*|'self'|'none'|https?:\/\/[A-Za-z0-9.*-]+(:\d+)?)$/, "one CSP source: *, 'self', 'none' or an http(s) origin")).default(["*"]),
});
export type ServerConfig = z.infer<typeof serverConfigSchema>;
