// The measure workers of local probes (mode: local): `keepwatch serve` measures from this machine for them.
import type { Redis } from "ioredis";
import type { KeepWatchConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import { createRedisConnection, waitUntilReady } from "../queue/connection.js";
import { ResultsProducer } from "../queue/results-producer.js";
import { checkerSettings, probeIdentity } from "../worker/from-config.js";
import { MeasureWorker } from "../worker/measure-worker.js";
import { createTargetChecker } from "../worker/target-checker.js";
import type { ShutdownSequence } from "./shutdown.js";

/** One worker per local probe on its own connection; each stops (worker, checker, connection) with the "workers" stage. */
export async function startLocalWorkers(config: KeepWatchConfig, redisUrl: string, log: Logger, shutdown: ShutdownSequence): Promise<void> {
  const producerConnection = createRedisConnection(redisUrl, "producer");
  producerConnection.on("error", () => undefined);
  let results: ResultsProducer | null = null;
  shutdown.add("queues", async () => {
    await results?.close();
    producerConnection.disconnect();
  });
  await waitUntilReady(producerConnection); // before BullMQ sets up a queue on this fail-fast connection
  results = new ResultsProducer(producerConnection);
  for (const probe of config.probes.filter((p) => p.mode === "local")) {
    const connection: Redis = createRedisConnection(redisUrl, "worker");
    const checker = await createTargetChecker(checkerSettings(config, probe));
    const worker = new MeasureWorker({
      connection,
      results,
      probe: probeIdentity(config, probe),
      checker,
      concurrency: config.schedule.concurrency,
      log,
    });
    shutdown.add("workers", async () => {
      await worker.close();
      await checker.close();
      connection.disconnect();
    });
  }
}
