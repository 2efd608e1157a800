// Starts Gantry for a conformance test file (api, runner, the e2e fixture project plus this suite's own tasks,
// deployed to prod) and points the official @trigger.dev/sdk at it with the prod secret key.
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { configure, runs } from "@trigger.dev/sdk";
import { eventually, startPlatform, type Platform } from "../helpers/platform.js";

export const FINAL_STATUSES = ["COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED", "TIMED_OUT"];

export interface ConformancePlatform {
  platform: Platform;
  baseURL: string;
  secretKey: string;
  version: string;
}

export async function startConformancePlatform(): Promise<ConformancePlatform> {
  const platform = await startPlatform();
  try {
    await platform.startRunner();
    const { version } = await platform.deployProject({
      edit: (dir) => copyFileSync(join(import.meta.dirname, "fixture-tasks.ts"), join(dir, "src/trigger/conformance.ts")),
    });
    const baseURL = platform.api.url;
    const secretKey = platform.api.seed.environments.prod.apiKey;
    configure({ baseURL, secretKey });
    return { platform, baseURL, secretKey, version };
  } catch (error) {
    await platform.close();
    throw error;
  }
}

/** Polls with the official client until the run reaches one of `statuses` (a final one by default). */
export async function waitForRun(runId: string, statuses: string[] = FINAL_STATUSES, timeoutMs = 30_000) {
  return eventually(
    async () => {
      const run = await runs.retrieve(runId);
      return statuses.includes(run.status) ? run : undefined;
    },
    { timeoutMs, what: `run ${runId} to reach ${statuses.join("|")}` },
  );
}
