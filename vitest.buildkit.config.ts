import { defineConfig } from "vitest/config";

// Real-BuildKit suite (`npm run test:buildkit`): one private Docker engine, started by the
// global setup, so test files run one at a time.
export default defineConfig({
  test: {
    include: ["test/buildkit/**/*.test.ts"],
    globalSetup: ["test/buildkit/global-setup.ts"],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 180_000,
    // the first run downloads the engine (~40 MB of .debs)
    hookTimeout: 600_000,
    teardownTimeout: 120_000,
  },
});
