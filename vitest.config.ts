import { defineConfig } from "vitest/config";

export default defineConfig({
  // One graphql module for everyone: Pothos and Apollo load its CommonJS entry under Node, so the
  // tests must too ("Cannot use GraphQLScalarType from another module or realm").
  resolve: { alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }] },
  test: {
    include: ["test/**/*.test.ts"],
    hookTimeout: 180_000,
    testTimeout: 180_000,
    // PGlite starts one WASM Postgres per test file; two cores here, so keep files few at a time.
    maxWorkers: 2,
  },
});
