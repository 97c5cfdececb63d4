// What every collector suite sets up per test: a fresh SQLite store in its own directory, a producer
// connection to a flushed test Redis, a ResultsProducer and a Queue handle on "results"; close() undoes all
// of it (collectors the test started are the test's to close first).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { createRedisConnection, waitUntilReady } from "../../src/queue/connection.js";
import { QUEUES } from "../../src/queue/names.js";
import { ResultsProducer } from "../../src/queue/results-producer.js";
import { SqliteStore, type SqliteStoreOptions } from "../../src/store/sqlite.js";

export interface CollectorFixture {
  dir: string;
  dbPath: string;
  store: SqliteStore;
  conn: Redis;
  producer: ResultsProducer;
  queue: Queue;
  close(): Promise<void>;
}

export async function openCollectorFixture(redisUrl: string, prefix: string, storeOptions?: SqliteStoreOptions): Promise<CollectorFixture> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dbPath = join(dir, "keepwatch.sqlite");
  const store = new SqliteStore(dbPath, storeOptions);
  await store.migrate();
  const conn = createRedisConnection(redisUrl, "producer");
  await waitUntilReady(conn);
  await conn.flushall();
  const producer = new ResultsProducer(conn);
  const queue = new Queue(QUEUES.results, { connection: conn });
  return {
    dir, dbPath, store, conn, producer, queue,
    async close() {
      await queue.close();
      await producer.close();
      conn.disconnect();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
