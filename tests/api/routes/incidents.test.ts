import { spawnSync } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { evidenceSha256 } from "../../../src/api/evidence.js";
import { CSV_COLUMNS, INCIDENT_CSV_COLUMNS } from "../../../src/api/csv.js";
import { WITHDRAWN } from "../../../src/incident.js";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { createHarness, testConfig, testIncident, type Harness } from "../harness.js";

interface ListBody {
  incidents: { id: string }[];
  limit: number;
  offset: number;
  nextOffset: number | null;
}

describe("incidents API", () => {
  let h: Harness;
  const evidence = [
    fixtureMeasurement({ id: "00000000-0000-4000-8000-000000000002", region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", accessible: false, blocking: "tls", failure: "tls_reset" }),
    fixtureMeasurement({ id: "00000000-0000-4000-8000-000000000001", region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", url: "https://evil.example/=cmd" }),
  ];
  beforeEach(async () => {
    h = await createHarness({}, testConfig({ server: { publicUrl: "https://keepwatch.example/" } }));
    await h.store.insertMeasurements(evidence);
    for (let i = 0; i < 5; i++) {
      await h.store.saveIncident(
        testIncident({
          id: `inc-${i}`,
          startedAt: `2026-03-0${i + 1}T10:00:00.000Z`,
          status: i === 4 ? "open" : "closed",
          endedAt: i === 4 ? null : `2026-03-0${i + 1}T12:00:00.000Z`,
          kind: i % 2 === 0 ? "whitelist_only" : "throttling",
          region: i === 0 ? "KZ-75" : "KZ-47",
          evidence: {
            measurementIds: evidence.map((m) => m.id),
            counts: { non_whitelisted_fail: 7, whitelisted_ok: 9 },
            probes: ["probe-47"],
            networks: ["kcell-mobile"],
            figures: { baseline: 0.98 },
          },
        }),
      );
    }
  });
  afterEach(async () => h.close());

  it("filters by region, kind and status", async () => {
    const ids = async (q: string) =>
      ((await (await h.request(`/api/v1/incidents${q}`)).json()) as ListBody).incidents.map((i) => i.id);
    expect(await ids("")).toEqual(["inc-4", "inc-3", "inc-2", "inc-1", "inc-0"]);
    expect(await ids("?region=KZ-75")).toEqual(["inc-0"]);
    expect(await ids("?kind=throttling")).toEqual(["inc-3", "inc-1"]);
    expect(await ids("?status=open")).toEqual(["inc-4"]);
    expect(await ids("?region=KZ-47&status=closed&kind=whitelist_only")).toEqual(["inc-2"]);
    expect(await ids("?since=2026-03-03T11:00:00Z")).toEqual(["inc-4", "inc-3", "inc-2"]);
    const bad = await h.request("/api/v1/incidents?kind=apocalypse");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("bad_request");
  });

  it("marks withdrawn incidents in the list, since their status alone reads 'closed'", async () => {
    const base = (await h.store.getIncident("inc-3"))!;
    const at = "2026-03-04T13:00:00.000Z";
    await h.store.saveIncident({ ...base, revisedAt: at,
      revisions: [...base.revisions, { at, field: "status", from: "open", to: "closed", reason: `${WITHDRAWN}: later windows cleared` }] });
    const body = (await (await h.request("/api/v1/incidents?status=closed&lang=en")).json()) as ListBody & {
      withdrawn: Record<string, string>; summaries: Record<string, string>;
    };
    expect(body.withdrawn).toEqual({ "inc-3": at });
    expect(body.summaries["inc-3"]).toMatch(/^Withdrawn/);
    expect(body.summaries["inc-1"]).not.toMatch(/withdrawn/i);
    // A page without withdrawn incidents says so with an empty map, not by leaving the field out.
    const open = (await (await h.request("/api/v1/incidents?status=open")).json()) as { withdrawn: Record<string, string> };
    expect(open.withdrawn).toEqual({});
  });

  it("paginates with nextOffset", async () => {
    const page1 = (await (await h.request("/api/v1/incidents?limit=2")).json()) as ListBody;
    expect(page1).toMatchObject({ limit: 2, offset: 0, nextOffset: 2 });
    const page3 = (await (await h.request("/api/v1/incidents?limit=2&offset=4")).json()) as ListBody;
    expect(page3.incidents.map((i) => i.id)).toEqual(["inc-0"]);
    expect(page3.nextOffset).toBeNull();
    const exact = (await (await h.request("/api/v1/incidents?limit=5")).json()) as ListBody;
    expect(exact.nextOffset).toBeNull();
  });

  it("serves a permalink with evidence hash a reader can re-compute with jq", async () => {
    const res = await h.request("/api/v1/incidents/inc-2");
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBeTruthy();
    const text = await res.text();
    const body = JSON.parse(text) as { incident: { id: string; evidence: { measurementIds: string[]; counts: Record<string, number> } }; evidenceSha256: string; links: Record<string, string> };
    expect(body.links).toEqual({
      self: "https://keepwatch.example/incidents/inc-2",
      json: "https://keepwatch.example/api/v1/incidents/inc-2",
      csv: "https://keepwatch.example/api/v1/incidents/inc-2/export.csv",
    });
    expect(body.evidenceSha256).toBe(evidenceSha256(body.incident.evidence));
    // The documented recipe, run for real.
    const jq = spawnSync("sh", ["-c", "jq -cS '.incident.evidence | {counts, measurementIds: (.measurementIds|sort)}' | tr -d '\\n' | sha256sum"], { input: text, encoding: "utf8" });
    expect(jq.status).toBe(0);
    expect(jq.stdout.split(" ")[0]).toBe(body.evidenceSha256);
    // The hash covers the evidence: another count gives another hash.
    expect(evidenceSha256({ ...body.incident.evidence, counts: { non_whitelisted_fail: 8, whitelisted_ok: 9 } })).not.toBe(body.evidenceSha256);

    const missing = await h.request("/api/v1/incidents/nope");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });

  it("exports the evidence measurements as CSV, sorted by id", async () => {
    const res = await h.request("/api/v1/incidents/inc-2/export.csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const lines = (await res.text()).split("\r\n");
    expect(lines[0]).toBe(INCIDENT_CSV_COLUMNS.join(","));
    expect(lines[1]?.startsWith("00000000-0000-4000-8000-000000000001,")).toBe(true);
    expect(lines[2]).toContain(",false,tls,tls_reset,");
    expect(lines[3]).toBe("");
    expect(lines).toHaveLength(4);
  });

  it("exports every measurement behind the verdict, not only the sampled ids, with names, rounded figures and a BOM", async () => {
    const at = (min: number) => new Date(Date.parse("2026-03-05T10:00:00.000Z") + min * 60_000).toISOString();
    const inBounds = Array.from({ length: 12 }, (_, i) => fixtureMeasurement({
      region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", url: "https://www.instagram.com/", list: "non_whitelisted",
      accessible: false, blocking: "tcp", startedAt: at(i * 5),
    }));
    const outside = [
      fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", probeId: "probe-47", startedAt: at(-30) }), // before the start
      fixtureMeasurement({ region: "KZ-47", network: "kt-fixed", probeId: "probe-47b", startedAt: at(10) }), // another network
      fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", probeId: "ctl", role: "control", startedAt: at(10) }), // the control
      fixtureMeasurement({ region: "KZ-75", network: "kcell-mobile", probeId: "probe-75", startedAt: at(10) }), // another region
    ];
    await h.store.insertMeasurements([...inBounds, ...outside]);
    await h.store.saveIncident(testIncident({
      id: "inc-full", startedAt: at(0), endedAt: at(55), status: "closed",
      evidence: { measurementIds: [inBounds[0]!.id, inBounds[1]!.id], counts: { measurements: 12 }, probes: ["probe-47"], networks: ["kcell-mobile"], figures: {} },
    }));
    const res = await h.request("/api/v1/incidents/inc-full/export.csv?bom=1&lang=ru");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).trim().split("\r\n");
    expect(lines[0]).toBe(INCIDENT_CSV_COLUMNS.join(","));
    // New columns only at the end: the measurement columns, then the incident's verification.
    expect(lines[0]!.endsWith(",bytes_per_second,region_name,network_name,service,incident_verified_by,incident_verified_at,demo")).toBe(true);
    const rows = lines.slice(1);
    expect(rows).toHaveLength(12); // every in-bounds measurement, each once (sampled ids are among them)
    expect(new Set(rows.map((r) => r.split(",")[0]))).toEqual(new Set(inBounds.map((m) => m.id)));
    expect(rows[0]).toMatch(/,Мангистауская,Kcell,Instagram,,,false$/); // not verified: two empty cells
    for (const r of rows) {
      const cols = r.split(",");
      const tls = cols[CSV_COLUMNS.indexOf("tls_handshake_s")]!;
      expect(tls === "" || /^\d+(\.\d{1,3})?$/.test(tls), tls).toBe(true);
    }
    const plain = await (await h.request("/api/v1/incidents/inc-full/export.csv")).text();
    expect(plain.charCodeAt(0)).not.toBe(0xfeff);
    expect(plain).toContain(",Mangystau,Kcell,Instagram");
  });
});
