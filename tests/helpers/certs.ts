// Real X.509 material for TLS tests, made with the openssl CLI: a private CA, a leaf for given names,
// an expired leaf, and a self-signed (untrusted) leaf. Files live in a temp dir the caller removes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LeafCert {
  key: string;
  cert: string;
}

export interface TestPki {
  dir: string;
  caCert: string;
  caCertPath: string;
  /** Leaf signed by the CA, valid now, for the given DNS names / IPs. */
  leaf(names: string[], opts?: { expired?: boolean }): LeafCert;
  /** Self-signed leaf that no CA vouches for. */
  selfSigned(names: string[]): LeafCert;
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: "pipe" });
  } catch (e) {
    const err = e as { stderr?: Buffer };
    throw new Error(`openssl ${args[0]} failed: ${err.stderr?.toString() ?? String(e)}`);
  }
}

function sanLine(names: string[]): string {
  return names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "kw-pki-"));
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
    "-out", "ca.pem", "-days", "30", "-subj", "/CN=KeepWatch Test CA"], dir);
  let serial = 0;
  const issue = (names: string[], mode: "ca" | "expired" | "self"): LeafCert => {
    const id = `leaf${++serial}`;
    writeFileSync(join(dir, `${id}.ext`), `subjectAltName=${sanLine(names)}\nbasicConstraints=CA:FALSE\n`);
    openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${id}.key`,
      "-out", `${id}.csr`, "-subj", `/CN=${names[0] ?? "localhost"}`], dir);
    if (mode === "self") {
      openssl(["x509", "-req", "-in", `${id}.csr`, "-key", `${id}.key`, "-out", `${id}.pem`, "-days", "30",
        "-extfile", `${id}.ext`], dir);
    } else {
      if (mode === "expired") {
        // OpenSSL 3.0's x509 cannot backdate; `openssl ca` can: valid for one day, ten days ago.
        writeFileSync(join(dir, "index.txt"), "");
        writeFileSync(join(dir, "ca.cnf"), [
          "[ca]", "default_ca=kw", "[kw]", `dir=${dir}`, "database=$dir/index.txt", "new_certs_dir=$dir",
          "serial=$dir/ca.serial", "default_md=sha256", "policy=any", "unique_subject=no", "copy_extensions=none",
          "[any]", "commonName=supplied", "",
        ].join("\n"));
        writeFileSync(join(dir, "ca.serial"), `${(0x1000 + serial).toString(16).padStart(4, "0")}\n`);
        openssl(["ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", `${id}.csr`,
          "-out", `${id}.pem`, "-startdate", utcStamp(-10), "-enddate", utcStamp(-9), "-extfile", `${id}.ext`,
          "-notext"], dir);
      } else {
        openssl(["x509", "-req", "-in", `${id}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
          "-out", `${id}.pem`, "-days", "30", "-extfile", `${id}.ext`], dir);
      }
    }
    return { key: readFileSync(join(dir, `${id}.key`), "utf8"), cert: readFileSync(join(dir, `${id}.pem`), "utf8") };
  };
  return {
    dir,
    caCert: readFileSync(join(dir, "ca.pem"), "utf8"),
    caCertPath: join(dir, "ca.pem"),
    leaf: (names, opts) => issue(names, opts?.expired ? "expired" : "ca"),
    selfSigned: (names) => issue(names, "self"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function utcStamp(daysFromNow: number): string {
  const d = new Date(Date.now() + daysFromNow * 86_400_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${String(d.getUTCFullYear()).slice(2)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}
