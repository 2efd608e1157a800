import { defineConfig } from "@gantry/sdk";

// The demo project that `npm start` seeds (its ref is stable) and deploys to prod.
export default defineConfig({
  project: "proj_gantrydemo",
  dirs: ["src/trigger"],
  retries: {
    enabledInDev: true,
    default: { maxAttempts: 3, factor: 2, minTimeoutInMs: 1000, maxTimeoutInMs: 10_000, randomize: true },
  },
  maxDuration: 300,
});
