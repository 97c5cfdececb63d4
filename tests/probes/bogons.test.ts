import { describe, expect, it } from "vitest";
import { createBogonMatcher, defaultBogons, parseCidr } from "../../probes/bogons.js";

describe("bogons", () => {
  it("flags the OONI IPv4 bogon ranges at their edges and not just outside them", () => {
    for (const a of ["0.0.0.0", "10.0.0.1", "100.64.0.1", "100.127.255.255", "127.0.0.1", "169.254.1.1",
      "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1", "192.168.1.1", "198.18.0.1", "198.19.255.255",
      "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.255", "240.0.0.1", "255.255.255.255"]) {
      expect(defaultBogons.isBogon(a), a).toBe(true);
    }
    for (const a of ["1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
      "198.17.255.255", "198.20.0.0", "192.0.3.1", "223.255.255.255", "93.184.216.34"]) {
      expect(defaultBogons.isBogon(a), a).toBe(false);
    }
  });

  it("flags IPv6 bogons, including 6to4/Teredo forms of IPv4 bogons and IPv4-mapped addresses", () => {
    for (const a of ["::", "::1", "::ffff:8.8.8.8", "fe80::1", "fd00::1", "ff02::1", "2001:db8::1",
      "2002:a00::1", "2002:c612::1", "2001:0:a00::1", "100::1"]) {
      expect(defaultBogons.isBogon(a), a).toBe(true);
    }
    for (const a of ["2a00:1450:4001::1", "2606:4700::1111", "2002:808:808::1", "2001:4860:4860::8888"]) {
      expect(defaultBogons.isBogon(a), a).toBe(false);
    }
  });

  it("treats a string that is not an IP address as a bogon", () => {
    expect(defaultBogons.isBogon("example.com")).toBe(true);
    expect(defaultBogons.isBogon("")).toBe(true);
  });

  it("lets a lab except 198.18.0.0/15 while other bogons stay bogons", () => {
    const lab = createBogonMatcher({ notBogon: ["198.18.0.0/15"] });
    expect(lab.isBogon("198.18.0.10")).toBe(false);
    expect(lab.isBogon("198.19.3.4")).toBe(false);
    expect(lab.isBogon("::ffff:198.18.0.10")).toBe(false);
    expect(lab.isBogon("10.0.0.1")).toBe(true);
    expect(lab.isBogon("127.0.0.1")).toBe(true);
    expect(defaultBogons.isBogon("198.18.0.10")).toBe(true);
  });

  it("accepts a custom list and extra ranges", () => {
    const custom = createBogonMatcher({ ranges: ["10.0.0.0/8"], extra: ["5.6.7.8", "2a00::/16"] });
    expect(custom.isBogon("10.1.2.3")).toBe(true);
    expect(custom.isBogon("5.6.7.8")).toBe(true);
    expect(custom.isBogon("5.6.7.9")).toBe(false);
    expect(custom.isBogon("2a00:1::1")).toBe(true);
    expect(custom.isBogon("192.168.0.1")).toBe(false);
    // An IPv6 rule must not swallow IPv4 addresses (node's BlockList would map them to ::ffff:…).
    expect(createBogonMatcher({ ranges: ["::/0"] }).isBogon("8.8.8.8")).toBe(false);
  });

  it("rejects malformed ranges", () => {
    expect(() => parseCidr("10.0.0.0/33")).toThrow(TypeError);
    expect(() => parseCidr("10.0.0/8")).toThrow(TypeError);
    expect(() => parseCidr("10.0.0.0/")).toThrow(TypeError);
    expect(() => parseCidr("10.0.0.0/8/1")).toThrow(TypeError);
    expect(() => createBogonMatcher({ notBogon: ["lab"] })).toThrow(TypeError);
    expect(parseCidr("::1")).toEqual({ address: "::1", prefix: 128, family: "ipv6" });
  });
});
