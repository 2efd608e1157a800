import { defineConfig } from "@gantry/sdk";

// The fairness benchmark's project: processes are reused across runs (as in the no-op benchmark), so the
// figures measure the gate, not process spawns.
export default defineConfig({
  project: "proj_gantrydemo",
  dirs: ["src/trigger"],
  retries: { default: { maxAttempts: 1 } },
  processKeepAlive: { enabled: true, maxExecutionsPerProcess: 1_000_000 },
});
