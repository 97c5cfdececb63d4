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
    // Stops the PostgreSQL test clusters of workers that ended (tests/helpers/postgres.ts).
    globalSetup: ["tests/helpers/postgres-teardown.ts"],
  },
});
