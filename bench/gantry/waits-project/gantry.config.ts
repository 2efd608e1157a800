import { defineConfig } from "@gantry/sdk";

// The waits benchmark's project: processes are reused across runs, so suspended attempts of many runs share a
// handful of processes (the figure under test), and round trips are not dominated by process spawns.
export default defineConfig({
  project: "proj_gantrydemo",
  dirs: ["src/trigger"],
  retries: { default: { maxAttempts: 1 } },
  processKeepAlive: { enabled: true, maxExecutionsPerProcess: 1_000_000 },
});
