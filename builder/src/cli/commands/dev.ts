import { startDevSession } from "../../dev/dev-session.js";
import { credentials, projectDir, type Command } from "../command.js";
import { loadEnvFile } from "../env-file.js";

/** `gantry dev [path]`: runs until Ctrl-C, then cancels runs in progress and exits. */
export const devCommand: Command = async (ctx) => {
  const { args, io, out } = ctx;
  const creds = credentials(ctx);
  const dir = projectDir(ctx);
  const envVars = args.envFile ? loadEnvFile(dir, args.envFile) : undefined;
  const session = await startDevSession({
    cwd: dir,
    configPath: args.config,
    projectRef: args.projectRef,
    apiUrl: creds.apiUrl,
    accessToken: creds.accessToken,
    envVars,
    fetch: io.fetch,
    logger: { log: out.log, warn: out.warn, error: out.error, debug: out.debug },
  });
  out.log(`Watching ${dir} for changes; runs in your dev environment execute here. Ctrl-C to stop.`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  out.log("Stopping: canceling runs in progress…");
  await session.close();
};
