import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findPackageDir } from "../build/copy-externals.js";

/** The @gantry/sdk this worker itself runs with: the platform's own SDK. */
export function platformSdkDir(override?: string): string {
  if (override) return override;
  const dir = findPackageDir("@gantry/sdk", dirname(fileURLToPath(import.meta.url)));
  if (!dir) throw new Error("The build worker cannot find the platform's @gantry/sdk: set GANTRY_BUILD_SDK_DIR");
  return dir;
}

/**
 * A repository that depends on `@gantry/sdk` builds although the SDK is on no public registry: when the
 * project does not resolve it after installing, the platform's own SDK is linked in (the platform requires
 * the project's SDK version to equal its own anyway).
 */
export function ensurePlatformSdk(projectDir: string, sdkDir: string, log: (line: string) => void): void {
  if (findPackageDir("@gantry/sdk", projectDir)) return;
  const target = join(projectDir, "node_modules", "@gantry", "sdk");
  mkdirSync(dirname(target), { recursive: true });
  if (!existsSync(target)) symlinkSync(sdkDir, target, "dir");
  const version = (JSON.parse(readFileSync(join(sdkDir, "package.json"), "utf8")) as { version?: string }).version;
  log(`Using the platform's @gantry/sdk ${version ?? ""} (${sdkDir})`);
}
