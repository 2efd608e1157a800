import { loadConfig } from "./config.js";
import { ConfigError } from "./errors.js";
import { startApi } from "./index.js";

/** The api alone: `tsx api/src/main.ts` (see api/README.md for its variables). */
async function main(): Promise<void> {
  const config = loadConfig();
  const api = await startApi(config);
  console.log(`gantry api listening on ${api.url} (public URL ${api.deps.config.publicUrl})`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    api.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `gantry api: ${error.message}` : error);
  process.exit(1);
});
