import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    hookTimeout: 60_000,
    testTimeout: 60_000,
    // PGlite starts one WASM Postgres per test file; two cores here, so keep files few at a time.
    maxWorkers: 2,
  },
});
