import { describe, expect, it } from "vitest";
import { cidrProblem } from "../../src/config/cidr.js";

describe("cidrProblem", () => {
  it.each(["198.18.0.0/15", "10.0.0.0/8", "0.0.0.0/0", "192.0.2.1/32", "::1/128", "fd00::/8", "2001:db8::/32", "::ffff:198.18.0.0/111", "::/0"])(
    "accepts %s",
    (cidr) => expect(cidrProblem(cidr)).toBeNull(),
  );

  it.each([
    ["198.18.0.1/15", "host bits set"],
    ["fd00::1/8", "host bits set"],
    ["10.0.0.0/33", "prefix"],
    ["::/129", "prefix"],
    ["10.0.0.0/-1", "prefix"],
    ["10.0.0.0/", "prefix"],
    ["10.0.0.0", "not a CIDR"],
    ["300.0.0.0/8", "not an IPv4 or IPv6 address"],
    ["example.org/8", "not an IPv4 or IPv6 address"],
  ])("rejects %s", (cidr, fragment) => expect(cidrProblem(cidr)).toContain(fragment));
});
