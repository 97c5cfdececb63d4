// --roles and serve.roles as an operator types them, and gets them wrong.
import { describe, expect, it } from "vitest";
import { parseRoles, RolesError, ROLES } from "../../src/config/roles.js";
import { configSchema } from "../../src/config/schema.js";

describe("parseRoles", () => {
  it("reads a comma-separated list in any order, with spaces, into the canonical order", () => {
    expect(parseRoles("scheduler, api,detector")).toEqual(["api", "detector", "scheduler"]);
    expect(parseRoles(["alerts"])).toEqual(["alerts"]);
    expect(parseRoles(ROLES.join(","))).toEqual([...ROLES]);
  });

  it("refuses unknown, empty and repeated roles, naming the valid ones and never echoing control characters", () => {
    expect(() => parseRoles("api,detectr")).toThrow(/unknown role "detectr"; roles: a comma-separated list of api, collector, detector, scheduler, alerts/);
    expect(() => parseRoles("")).toThrow(RolesError);
    expect(() => parseRoles(" , ")).toThrow(RolesError);
    expect(() => parseRoles("api,,collector")).toThrow(/unknown role ""/);
    expect(() => parseRoles("api,api")).toThrow(/named twice/);
    expect(() => parseRoles("API")).toThrow(RolesError);
    const message = (() => { try { parseRoles("x\u001b[31m\nworker"); } catch (e) { return (e as Error).message; } return ""; })();
    expect(message).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe("serve: in the config", () => {
  it("defaults to every role, takes a subset and a lease, refuses nonsense", () => {
    expect(configSchema.parse({}).serve).toEqual({ roles: [...ROLES] });
    expect(configSchema.parse({ serve: { roles: ["api", "collector"], leaderLeaseSeconds: 5 } }).serve)
      .toEqual({ roles: ["api", "collector"], leaderLeaseSeconds: 5 });
    for (const serve of [{ roles: [] }, { roles: ["worker"] }, { roles: ["api", "api"] }, { leaderLeaseSeconds: 0 }, { leaderLeaseSeconds: 1e9 }]) {
      expect(configSchema.safeParse({ serve }).success, JSON.stringify(serve)).toBe(false);
    }
  });

  it("redis.url accepts redis://, rediss:// and redis-sentinel:// only", () => {
    for (const url of ["redis://r:6379", "rediss://r:6380", "redis-sentinel://s1:26379,s2:26379/mymaster"]) {
      expect(configSchema.safeParse({ redis: { url } }).success, url).toBe(true);
    }
    for (const url of ["http://r:6379", "r:6379", "redis-sentinel://"]) expect(configSchema.safeParse({ redis: { url } }).success, url).toBe(false);
  });
});
