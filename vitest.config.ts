import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "rules/**/*.test.ts"],
    exclude: ["test/buildkit/**", "test/fuzz/soak*.test.ts", "node_modules/**"],
    testTimeout: 30_000,
  },
});
