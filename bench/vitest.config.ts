import { defineConfig } from "vitest/config";

// The bench is not part of `npm test`; this config runs only its smoke check:
// `npx vitest run --config bench/vitest.config.ts`.
export default defineConfig({
  test: {
    include: ["bench/**/*.test.ts"],
    exclude: ["**/node_modules/**", "bench/fixtures/**"],
    testTimeout: 120_000,
  },
});
