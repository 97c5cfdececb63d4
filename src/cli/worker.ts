// `keepwatch worker --region ID --probe ID`: a remote worker for one configured probe. It needs the same
// Redis as the server (REDIS_URL or redis.url in the config) and stops gracefully on SIGTERM/SIGINT.
import { loadConfig } from "../config/load.js";
import { createLogger } from "../log.js";
import { createRedisConnection } from "../queue/connection.js";
import { ResultsProducer } from "../queue/results-producer.js";
import { checkerSettings, findProbe, probeIdentity } from "../worker/from-config.js";
import { MeasureWorker } from "../worker/measure-worker.js";
import { createTargetChecker } from "../worker/target-checker.js";
import { onShutdownSignal } from "./signals.js";

export async function runWorker(opts: { region: string; probe: string; config: string }): Promise<void> {
  const log = createLogger({ name: "keepwatch-worker" });
  const config = loadConfig(opts.config);
  const probe = findProbe(config, opts.probe, opts.region);
  const redisUrl = process.env.REDIS_URL ?? config.redis.url;
  if (!redisUrl) throw new Error("a worker needs the server's Redis: set REDIS_URL or redis.url in the configuration");
  const workerConnection = createRedisConnection(redisUrl, "worker");
  const producerConnection = createRedisConnection(redisUrl, "worker");
  const results = new ResultsProducer(producerConnection);
  const checker = await createTargetChecker(checkerSettings(config, probe));
  const worker = new MeasureWorker({
    connection: workerConnection,
    results,
    probe: probeIdentity(config, probe),
    checker,
    concurrency: config.schedule.concurrency,
    log,
  });
  await worker.waitUntilReady();
  log.info({ probe: probe.id, region: probe.region }, "worker ready");
  onShutdownSignal(log, async () => {
    await worker.close();
    await checker.close();
    await results.close();
    workerConnection.disconnect();
    producerConnection.disconnect();
  });
}
