import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { CliError } from "../errors.js";

export const CONFIG_FILE_NAMES = ["gantry.config.ts", "gantry.config.mts", "gantry.config.js", "gantry.config.mjs"];

/**
 * The config file of the project at `cwd`: `configPath` if given (relative to cwd), else the first of
 * CONFIG_FILE_NAMES found in cwd.
 */
export function findConfigFile(cwd: string, configPath?: string): string {
  if (configPath) {
    const file = resolve(cwd, configPath);
    if (!existsSync(file)) {
      throw new CliError(`Config file ${file} does not exist: fix the --config path, or run \`gantry init\` to create one`, "config_not_found");
    }
    return file;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return file;
  }
  throw new CliError(
    `No gantry.config.ts found in ${cwd}: run \`gantry init\` there, pass --config <file>, or run the command from your project's folder`,
    "config_not_found",
  );
}
