// The runner in its own process, as in production: `node --import tsx bench/gantry/runner-child.ts`.
// Env: the runner's own variables (GANTRY_API_URL, GANTRY_RUNNER_TOKEN, REDIS_URL, GANTRY_REDIS_PREFIX, ...).
import { loadRunnerConfig, startRunner } from "../../runner/src/index.js";
import { onShutdown, send } from "./child-protocol.js";

try {
  const runner = await startRunner(loadRunnerConfig(process.env));
  onShutdown(() => runner.close());
  send({ type: "ready", runnerId: runner.id });
} catch (error) {
  send({ type: "error", message: (error as Error).stack ?? String(error) });
  process.exit(1);
}
