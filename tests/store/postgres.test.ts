import { afterEach, describe, expect, it } from "vitest";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { StoreUnavailableError } from "../../src/store/errors.js";
import type { Store } from "../../src/store/store.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { adminQuery, freshDatabase, workerCluster } from "../helpers/postgres.js";
import { storeContract, type StoreFactory } from "./contract.js";

/** Each open() is a new database in this worker's cluster; reopen() is a second pool on the newest one. */
function postgresFactory(): StoreFactory {
  let stores: Store[] = [];
  let last = "";
  return {
    async open(opts = {}) {
      last = await freshDatabase();
      const s = new PostgresStore(last, { streamPageSize: opts.streamPageSize, max: 4 });
      stores.push(s);
      await s.migrate();
      return s;
    },
    async reopen() {
      const s = new PostgresStore(last, { max: 4 });
      stores.push(s);
      await s.migrate();
      return s;
    },
    async cleanup() {
      for (const s of stores) await s.close();
      stores = [];
    },
  };
}

storeContract("PostgresStore", postgresFactory());
