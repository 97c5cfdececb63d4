// vitest globalSetup: marks this run's throw-away PostgreSQL clusters (workers inherit the variable) and,
// after the run, stops them and any orphan whose worker died (workers end without their exit handlers).
// Starts nothing.
import { reapOrphanClusters } from "./postgres.js";

export default function setup(): () => void {
  const run = `${process.pid}-${Date.now()}`;
  process.env.KEEPWATCH_PG_TEST_RUN = run;
  return () => {
    reapOrphanClusters(run);
  };
}
