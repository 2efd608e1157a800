import { loadRunnerConfig, RunnerConfigError, startRunner } from "./index.js";

/** Standalone runner process: `tsx runner/src/main.ts` (configuration in README.md). */
async function main(): Promise<void> {
  const config = loadRunnerConfig();
  const runner = await startRunner(config);
  console.log(`[runner ${runner.id}] taking runs from ${config.redisUrl} (prefix ${config.queuePrefix}), api ${config.apiUrl}, executor ${config.executor}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.log(`[runner] ${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.log(`[runner] ${signal}: no new runs; letting running attempts finish (up to ${config.shutdownGraceMs} ms)`);
    runner.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error("[runner] shutdown failed:", err);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof RunnerConfigError ? `[runner] ${err.message}` : err);
  process.exit(1);
});
