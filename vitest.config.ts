import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Network-namespace and browser suites start real servers; give them room.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites that build network namespaces or bind fixed resources run one file at a time per worker.
    fileParallelism: true,
    pool: "forks",
    // Most files wait on servers, browsers and sockets more than they compute: at least two at a time, even on
    // two cores (vitest's default there is one).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Stops the PostgreSQL test clusters of workers that ended (tests/helpers/postgres.ts).
    globalSetup: ["tests/helpers/postgres-teardown.ts"],
  },
});
