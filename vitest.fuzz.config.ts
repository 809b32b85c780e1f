import { defineConfig } from "vitest/config";

// `npm run fuzz`: the property tests at soak scale (at least 100,000 cases).
// FUZZ_RUNS scales the case count; FUZZ_SEED replays a failing run.
export default defineConfig({
  test: {
    include: ["test/fuzz/soak.test.ts"],
    testTimeout: 60 * 60 * 1000,
    hookTimeout: 60_000,
  },
});
