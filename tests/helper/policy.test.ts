import { describe, expect, it } from "vitest";
import { createAddressPolicy, parseControlUrl, RefusedRequest } from "../../src/helper/policy.js";

describe("helper address policy", () => {
  const policy = createAddressPolicy();
  it.each([
    "127.0.0.1", "127.255.0.1", "10.0.0.1", "172.16.5.5", "192.168.1.1", "100.64.0.1", "169.254.169.254", "0.0.0.0",
    "224.0.0.251", "255.255.255.255", "192.0.2.1", "198.51.100.1", "203.0.113.1", "198.18.0.1", "::1", "::", "fe80::1",
    "fc00::1", "fd12:3456::1", "ff02::1", "2001:db8::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1",
    "2002:7f00:1::", "not-an-ip",
  ])("refuses %s", (address) => {
    expect(policy.allows(address)).toBe(false);
    expect(policy.refusal(address)).toMatch(/is /);
  });
  it.each(["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])("allows the public address %s", (address) => {
    expect(policy.allows(address)).toBe(true);
  });
  it("lets only the operator's ranges through, and their IPv4-mapped forms", () => {
    const lab = createAddressPolicy(["198.18.0.0/15"]);
    expect(lab.allows("198.19.255.1")).toBe(true);
    expect(lab.allows("::ffff:198.18.0.1")).toBe(true);
    expect(lab.allows("10.0.0.1")).toBe(false);
    expect(lab.allows("127.0.0.1")).toBe(false);
  });
});

describe("parseControlUrl", () => {
  const policy = createAddressPolicy();
  it("normalises numeric hosts before judging them", () => {
    for (const url of ["http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://127.1/"]) {
      expect(() => parseControlUrl(url, policy), url).toThrow(/127\.0\.0\.1 is loopback/);
    }
  });
  it("keeps the URL's port and host", () => {
    expect(parseControlUrl("https://Example.ORG:8443/x", policy)).toMatchObject({ host: "example.org", port: 8443, https: true, ipHost: false });
    expect(parseControlUrl("http://[2606:4700:4700::1111]/", policy)).toMatchObject({ host: "2606:4700:4700::1111", port: 80, ipHost: true });
  });
  it("refuses other schemes and credentials", () => {
    for (const url of ["gopher://x/", "javascript:alert(1)", "http://a@example.org/", "http://:b@example.org/"]) {
      expect(() => parseControlUrl(url, policy), url).toThrow(RefusedRequest);
    }
  });
});
