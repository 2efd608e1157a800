import { join } from "node:path";
import { BuildError } from "../errors.js";
import { findPackageDir, readPackageJson } from "./copy-externals.js";

/** The version of @gantry/sdk the project resolves (what its bundle will run), read from its package.json. */
export function projectSdkVersion(rootDir: string): string {
  const dir = findPackageDir("@gantry/sdk", rootDir);
  if (!dir) {
    throw new BuildError(
      `@gantry/sdk is not installed in ${rootDir}: run \`gantry update\` (or \`npm install <api url>/packages/gantry-sdk.tgz\`), then \`npm install\``,
      undefined,
      { code: "sdk_not_installed" },
    );
  }
  const version = readPackageJson(dir).version;
  if (!version) throw new BuildError(`${join(dir, "package.json")} has no version: reinstall @gantry/sdk`, undefined, { code: "sdk_not_installed" });
  return version;
}
