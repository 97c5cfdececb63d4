import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { filesIn, IpToAsn, missingFiles, packagedFiles } from "../../src/attribution/ip-to-asn.js";
import { LAB_NETWORKS, LAB_V6, writeLabIpToAsn } from "./lab-data.js";

describe("IpToAsn on the lab's data files", () => {
  const dir = writeLabIpToAsn();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const db = new IpToAsn(filesIn(dir));

  it("names the AS and country of IPv4, IPv6 and IPv4-mapped addresses, at both ends of a range", async () => {
    expect(await db.lookup(LAB_NETWORKS.mobile.sample)).toEqual({ asn: 29355, asName: "Kcell JSC", country: "KZ" });
    expect(await db.lookup("198.18.77.0")).toMatchObject({ asn: 29355 });
    expect(await db.lookup("198.18.77.255")).toMatchObject({ asn: 29355 });
    expect(await db.lookup("::ffff:198.18.78.1")).toEqual({ asn: 9198, asName: "JSC \"Kazakhtelecom\", Almaty", country: "KZ" });
    expect(await db.lookup("198.18.79.79")).toMatchObject({ asn: 64500, country: "DE" });
    expect(await db.lookup(LAB_V6.sample)).toMatchObject({ asn: 29355, country: "KZ" });
    expect(await db.lookup("[2001:db8:77:ffff:ffff:ffff:ffff:ffff]:443")).toMatchObject({ asn: 29355 });
  });

  it("knows nothing of addresses outside every range, and of things that are not addresses", async () => {
    for (const a of ["198.18.76.255", "198.18.80.0", "127.0.0.1", "10.0.0.1", "::1", "2001:db8:78::1", "0.0.0.0", "255.255.255.255", "not an address", "", "198.18.77", "1.2.3.4.5"]) {
      expect(await db.lookup(a), a).toEqual({ asn: null, asName: null, country: null });
    }
  });

  it("a malformed line is an error naming the file and line; the next call retries the load", async () => {
    const bad = mkdtempSync(join(tmpdir(), "kw-ipasn-bad-"));
    try {
      for (const f of ["asn-ipv6-num.csv", "asn-country-ipv4-num.csv", "asn-country-ipv6-num.csv"]) writeFileSync(join(bad, f), readFileSync(join(dir, f)));
      writeFileSync(join(bad, "asn-ipv4-num.csv"), "1,2,3,x\n0x10,20,4,y\n");
      const broken = new IpToAsn(filesIn(bad));
      await expect(broken.lookup("0.0.0.1")).rejects.toThrow(/asn-ipv4-num\.csv:2: not "start,end,value"/);
      writeFileSync(join(bad, "asn-ipv4-num.csv"), "1,2,3,x\n");
      expect(await broken.lookup("0.0.0.2")).toEqual({ asn: 3, asName: "x", country: null });
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it("overlapping rows (the published data has some) keep the earlier row's part; a reversed row is dropped", async () => {
    const d = mkdtempSync(join(tmpdir(), "kw-ipasn-ovl-"));
    try {
      for (const f of ["asn-ipv6-num.csv", "asn-country-ipv4-num.csv", "asn-country-ipv6-num.csv"]) writeFileSync(join(d, f), "");
      writeFileSync(join(d, "asn-ipv4-num.csv"), "100,200,1,a\n150,300,2,b\n160,170,3,c\n400,350,4,d\n500,600,5,e\n");
      const t = new IpToAsn(filesIn(d));
      const asnOf = async (n: number) => (await t.lookup([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join("."))).asn;
      expect([await asnOf(150), await asnOf(200), await asnOf(201), await asnOf(300), await asnOf(165), await asnOf(375), await asnOf(550)])
        .toEqual([1, 1, 2, 2, 1, null, 5]);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe("IpToAsn on the installed @ip-location-db packages", () => {
  it("the packaged files are there", () => {
    expect(missingFiles(packagedFiles())).toEqual([]);
  });

  it("names well-known networks (IPv4 and IPv6) and loads once for concurrent first lookups", async () => {
    const db = new IpToAsn();
    const [cf, google6, kt] = await Promise.all([db.lookup("1.1.1.1"), db.lookup("2001:4860:4860::8888"), db.lookup("95.56.1.1")]);
    expect(cf).toMatchObject({ asn: 13335, asName: expect.stringMatching(/cloudflare/i) });
    expect(google6).toMatchObject({ asn: 15169, country: "US" });
    expect(kt).toMatchObject({ asn: 9198, country: "KZ" });
    expect(await db.lookup("198.18.77.77")).toEqual({ asn: null, asName: null, country: null });
    // Typed arrays, not row objects: well under 32 MB for ~700,000 ranges.
    expect(await db.tableBytes()).toBeLessThan(32 * 2 ** 20);
  }, 180_000);
});
