// A network lab for e2e tests: Linux network namespaces joined to the test process (root namespace) by
// veth pairs, addressed from 198.18.0.0/15 only. Each lab picks its own /24 and its own names, so suites
// can run side by side; cleanup() removes every namespace and link it made.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";

export interface LabHost {
  /** Namespace name. */
  ns: string;
  /** The host's address inside its namespace. */
  address: string;
  /** The root namespace's address on the same link (the host's gateway). */
  gateway: string;
  /** veth name inside the namespace (for tc). */
  dev: string;
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${err.stderr ?? String(e)}`);
  }
}

export function netnsAvailable(): boolean {
  try {
    const ns = `kwprobe${randomBytes(3).toString("hex")}`;
    sh("ip", ["netns", "add", ns]);
    sh("ip", ["netns", "del", ns]);
    sh("iptables", ["--version"]);
    sh("tc", ["-V"]);
    return true;
  } catch {
    return false;
  }
}

function pickFreeSubnet(): number {
  const used = sh("ip", ["-o", "-4", "addr", "show"]);
  for (let tries = 0; tries < 200; tries++) {
    const candidate = 1 + (randomBytes(1)[0]! % 250);
    if (!used.includes(`198.18.${candidate}.`)) return candidate;
  }
  throw new Error("no free 198.18.x.0/24 for a lab");
}

export class NetLab {
  readonly id = randomBytes(3).toString("hex");
  private readonly hosts: LabHost[] = [];
  private readonly procs: ChildProcess[] = [];
  /** /30 slots handed out so far (hosts and links share the lab's /24). */
  private slots = 0;
  private readonly outerLinks: string[] = [];
  /** Third octet for this lab: 198.18.<subnet>.0/24, split into /30 links; one no other lab uses. */
  private readonly subnet = pickFreeSubnet();

  /** Creates a namespace with one veth link to the root namespace. */
  addHost(name: string): LabHost {
    const index = this.slots++;
    if (index >= 60) throw new Error("lab full");
    const ns = `kw${this.id}${name}`.slice(0, 15);
    const outer = `kwo${this.id}${index}`.slice(0, 15);
    const inner = `kwi${this.id}${index}`.slice(0, 15);
    const base = index * 4;
    const gateway = `198.18.${this.subnet}.${base + 1}`;
    const address = `198.18.${this.subnet}.${base + 2}`;
    sh("ip", ["netns", "add", ns]);
    const host: LabHost = { ns, address, gateway, dev: inner };
    this.outerLinks.push(outer);
    this.hosts.push(host);
    sh("ip", ["link", "add", outer, "type", "veth", "peer", "name", inner]);
    sh("ip", ["link", "set", inner, "netns", ns]);
    sh("ip", ["addr", "add", `${gateway}/30`, "dev", outer]);
    sh("ip", ["link", "set", outer, "up"]);
    this.exec(host, "ip", ["addr", "add", `${address}/30`, "dev", inner]);
    this.exec(host, "ip", ["link", "set", inner, "up"]);
    this.exec(host, "ip", ["link", "set", "lo", "up"]);
    this.exec(host, "ip", ["route", "add", "default", "via", gateway]);
    return host;
  }

  /**
   * Joins two namespaces directly with a veth pair on a /30 of their own (no forwarding through the root
   * namespace); returns the two ends' addresses.
   */
  link(a: LabHost, b: LabHost): { aAddress: string; bAddress: string } {
    const index = this.slots++;
    if (index >= 60) throw new Error("lab full");
    const aDev = `kwa${this.id}${index}`.slice(0, 15);
    const bDev = `kwb${this.id}${index}`.slice(0, 15);
    const base = index * 4;
    const aAddress = `198.18.${this.subnet}.${base + 1}`;
    const bAddress = `198.18.${this.subnet}.${base + 2}`;
    sh("ip", ["link", "add", aDev, "netns", a.ns, "type", "veth", "peer", "name", bDev, "netns", b.ns]);
    this.exec(a, "ip", ["addr", "add", `${aAddress}/30`, "dev", aDev]);
    this.exec(b, "ip", ["addr", "add", `${bAddress}/30`, "dev", bDev]);
    this.exec(a, "ip", ["link", "set", aDev, "up"]);
    this.exec(b, "ip", ["link", "set", bDev, "up"]);
    return { aAddress, bAddress };
  }

  /** Adds another address to the host (to serve several "sites" from one namespace). */
  addAddress(host: LabHost, address: string): void {
    this.exec(host, "ip", ["addr", "add", `${address}/32`, "dev", host.dev]);
    sh("ip", ["route", "add", `${address}/32`, "via", host.address]);
  }

  exec(host: LabHost, cmd: string, args: string[]): string {
    return sh("ip", ["netns", "exec", host.ns, cmd, ...args]);
  }

  iptables(host: LabHost, args: string[]): void {
    this.exec(host, "iptables", ["-w", ...args]);
  }

  /** Starts a long-running process inside the namespace; it is killed at cleanup. */
  spawn(host: LabHost, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    const p = spawn("ip", ["netns", "exec", host.ns, cmd, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    this.procs.push(p);
    return p;
  }

  /** Resolves with the first stdout line matching `pattern` (e.g. a "ready" line with ports). */
  static waitForLine(p: ChildProcess, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      let out = "";
      let err = "";
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; stderr: ${err.slice(-800)}`)), timeoutMs);
      p.stderr?.on("data", (b: Buffer) => (err += b.toString()));
      p.stdout?.on("data", (b: Buffer) => {
        out += b.toString();
        const m = out.match(pattern);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      });
      p.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`process exited (${code}) before ${pattern}; stderr: ${err.slice(-800)}`));
      });
    });
  }

  async cleanup(): Promise<void> {
    for (const p of this.procs) {
      // A process killed by a signal has exitCode null but a signalCode: it is gone, do not wait for it.
      if (p.exitCode === null && p.signalCode === null) {
        await new Promise<void>((ok) => {
          p.once("exit", () => ok());
          p.kill("SIGKILL");
        });
      }
    }
    for (const h of this.hosts) {
      try {
        sh("ip", ["netns", "del", h.ns]);
      } catch {
        /* already gone */
      }
    }
    // Deleting the namespace removes the inner veth and with it the outer peer; sweep leftovers anyway.
    for (const outer of this.outerLinks) {
      try {
        sh("ip", ["link", "del", outer]);
      } catch {
        /* already gone */
      }
    }
  }
}
