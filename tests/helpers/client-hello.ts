// Reads a TLS ClientHello record (the first bytes a client sends) into the fields a fingerprint is made of:
// cipher suites, extensions in order, supported groups, signature algorithms, ALPN, TLS versions. GREASE
// values (RFC 8701: 0x?A?A) are shown as "GREASE" since they are random per connection.
// Used by scripts/capture-chrome-profile.ts (Chrome's hello) and the TLS tests (ours).

export interface ClientHelloSummary {
  cipherSuites: string[];
  extensions: string[];
  supportedGroups: string[];
  signatureAlgorithms: string[];
  alpn: string[];
  supportedVersions: string[];
}

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, "0")}`;
const isGrease = (n: number) => (n & 0x0f0f) === 0x0a0a && (n >> 8) === (n & 0xff);
const name = (n: number, names: Record<number, string>) => (isGrease(n) ? "GREASE" : names[n] ?? hex4(n));

const EXTENSIONS: Record<number, string> = {
  0: "server_name", 5: "status_request", 10: "supported_groups", 11: "ec_point_formats", 13: "signature_algorithms",
  16: "alpn", 18: "signed_certificate_timestamp", 21: "padding", 22: "encrypt_then_mac", 23: "extended_master_secret",
  27: "compress_certificate", 35: "session_ticket", 41: "pre_shared_key", 43: "supported_versions",
  45: "psk_key_exchange_modes", 49: "post_handshake_auth", 51: "key_share", 0xca34: "trust_anchors (draft)", 17513: "application_settings_old",
  17613: "application_settings", 65037: "encrypted_client_hello", 65281: "renegotiation_info",
};
const GROUPS: Record<number, string> = {
  23: "P-256", 24: "P-384", 25: "P-521", 29: "X25519", 30: "X448", 256: "ffdhe2048", 257: "ffdhe3072",
  4588: "X25519MLKEM768", 25497: "X25519Kyber768Draft00",
};
const SIGALGS: Record<number, string> = {
  0x0403: "ecdsa_secp256r1_sha256", 0x0503: "ecdsa_secp384r1_sha384", 0x0603: "ecdsa_secp521r1_sha512",
  0x0804: "rsa_pss_rsae_sha256", 0x0805: "rsa_pss_rsae_sha384", 0x0806: "rsa_pss_rsae_sha512",
  0x0807: "ed25519", 0x0808: "ed448", 0x0809: "rsa_pss_pss_sha256", 0x080a: "rsa_pss_pss_sha384",
  0x080b: "rsa_pss_pss_sha512", 0x0401: "rsa_pkcs1_sha256", 0x0501: "rsa_pkcs1_sha384", 0x0601: "rsa_pkcs1_sha512",
  0x0201: "rsa_pkcs1_sha1", 0x0203: "ecdsa_sha1", 0x0303: "ecdsa_secp224r1_sha224", 0x0301: "rsa_pkcs1_sha224",
  0x0402: "dsa_sha256", 0x0502: "dsa_sha384", 0x0602: "dsa_sha512", 0x0202: "dsa_sha1",
  0x081a: "ecdsa_brainpoolP256r1tls13_sha256", 0x081b: "ecdsa_brainpoolP384r1tls13_sha384",
  0x081c: "ecdsa_brainpoolP512r1tls13_sha512", 0x0904: "mldsa44", 0x0905: "mldsa65", 0x0906: "mldsa87",
};
const CIPHERS: Record<number, string> = {
  0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384", 0x1303: "TLS_CHACHA20_POLY1305_SHA256",
  0xc02b: "ECDHE-ECDSA-AES128-GCM-SHA256", 0xc02f: "ECDHE-RSA-AES128-GCM-SHA256",
  0xc02c: "ECDHE-ECDSA-AES256-GCM-SHA384", 0xc030: "ECDHE-RSA-AES256-GCM-SHA384",
  0xcca9: "ECDHE-ECDSA-CHACHA20-POLY1305", 0xcca8: "ECDHE-RSA-CHACHA20-POLY1305",
  0xc013: "ECDHE-RSA-AES128-SHA", 0xc014: "ECDHE-RSA-AES256-SHA", 0xc009: "ECDHE-ECDSA-AES128-SHA",
  0xc00a: "ECDHE-ECDSA-AES256-SHA", 0x009c: "AES128-GCM-SHA256", 0x009d: "AES256-GCM-SHA384",
  0x002f: "AES128-SHA", 0x0035: "AES256-SHA", 0x00ff: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
  0xc023: "ECDHE-ECDSA-AES128-SHA256", 0xc027: "ECDHE-RSA-AES128-SHA256", 0xc024: "ECDHE-ECDSA-AES256-SHA384",
  0xc028: "ECDHE-RSA-AES256-SHA384", 0x009e: "DHE-RSA-AES128-GCM-SHA256", 0x009f: "DHE-RSA-AES256-GCM-SHA384",
  0xccaa: "DHE-RSA-CHACHA20-POLY1305", 0x0067: "DHE-RSA-AES128-SHA256", 0x006b: "DHE-RSA-AES256-SHA256",
  0x003c: "AES128-SHA256", 0x003d: "AES256-SHA256",
};
const VERSIONS: Record<number, string> = { 0x0304: "TLS1.3", 0x0303: "TLS1.2", 0x0302: "TLS1.1", 0x0301: "TLS1.0" };

function list16(buf: Buffer, names: Record<number, string>): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < buf.length; i += 2) out.push(name(buf.readUInt16BE(i), names));
  return out;
}

/** Parses one TLS record holding a ClientHello; throws on anything else. */
export function parseClientHello(record: Buffer): ClientHelloSummary {
  if (record[0] !== 0x16 || record[5] !== 0x01) throw new Error("not a TLS handshake record with a ClientHello");
  let p = 5 + 4 + 2 + 32; // record header, handshake header, legacy version, random
  p += 1 + record[p]!; // session id
  const cipherLen = record.readUInt16BE(p);
  const cipherSuites = list16(record.subarray(p + 2, p + 2 + cipherLen), CIPHERS);
  p += 2 + cipherLen;
  p += 1 + record[p]!; // compression methods
  const extEnd = p + 2 + record.readUInt16BE(p);
  p += 2;
  const out: ClientHelloSummary = { cipherSuites, extensions: [], supportedGroups: [], signatureAlgorithms: [], alpn: [], supportedVersions: [] };
  while (p + 4 <= extEnd) {
    const type = record.readUInt16BE(p);
    const len = record.readUInt16BE(p + 2);
    const body = record.subarray(p + 4, p + 4 + len);
    out.extensions.push(name(type, EXTENSIONS));
    if (type === 10) out.supportedGroups = list16(body.subarray(2, 2 + body.readUInt16BE(0)), GROUPS);
    if (type === 13) out.signatureAlgorithms = list16(body.subarray(2, 2 + body.readUInt16BE(0)), SIGALGS);
    if (type === 43) out.supportedVersions = list16(body.subarray(1, 1 + body[0]!), VERSIONS);
    if (type === 16) {
      for (let q = 2; q < body.length; q += 1 + body[q]!) out.alpn.push(body.subarray(q + 1, q + 1 + body[q]!).toString("latin1"));
    }
    p += 4 + len;
  }
  return out;
}
