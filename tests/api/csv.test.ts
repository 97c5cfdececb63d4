import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, csvHeader, csvRow } from "../../src/api/csv.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";

describe("csv", () => {
  it("writes the documented columns in order", () => {
    expect(csvHeader()).toBe(
      "id,startedAt,region,network,asn,probe,url,list,category,accessible,blocking,failure,dns_failure,tls_handshake_s,bytes_per_second,region_name,network_name,service,demo\r\n",
    );
    const m = fixtureMeasurement({ id: "00000000-0000-4000-8000-000000000009", startedAt: "2026-03-10T11:00:00.000Z", bytesPerSecond: 1234.5, handshakeTime: 0.07 });
    expect(csvRow(m)).toBe(
      "00000000-0000-4000-8000-000000000009,2026-03-10T11:00:00.000Z,KZ-75,kt-fixed,9198,probe-1,https://example.test/,whitelisted,gov,true,,,,0.07,1235,,,,false\r\n",
    );
    expect(csvRow(m).split(",")).toHaveLength(CSV_COLUMNS.length);
    // A demo's export says so on every row (a downloaded file keeps no HTTP header).
    expect(csvRow(m, undefined, true).trimEnd().endsWith(",true")).toBe(true);
  });

  it("quotes separators and neutralises spreadsheet formulas", () => {
    const row = csvRow(fixtureMeasurement({ url: 'https://a.example/x,"y"', category: "@SUM(A1)" }));
    expect(row).toContain(',"https://a.example/x,""y""",');
    expect(row).toContain(",'@SUM(A1),");
  });
});
