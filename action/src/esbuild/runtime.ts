import type * as Esbuild from "esbuild";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * Stands in for the `esbuild` package inside dist/index.js (the build aliases it here). esbuild's native API
 * cannot be bundled and the runner installs nothing, so dist/ ships esbuild-wasm beside the bundle. WebAssembly
 * is several times slower, though, so a project that has the same esbuild minor version installed (vite, tsx
 * and many other tools bring it) gets its native binary instead. The choice is made at the first call, after
 * `useProjectDir` has named the project.
 */

type EsbuildApi = typeof Esbuild;

let projectDir: string | undefined;
let loaded: { api: EsbuildApi; description: string } | undefined;

/** Where to look for the project's own esbuild. */
export function useProjectDir(dir: string): void {
  projectDir = dir;
}

/** Which esbuild bundles this run, in words, for the log (loads it). */
export function describeEsbuild(): string {
  return load().description;
}

const SHIPPED_WASM = "./esbuild-wasm/lib/main.js";

function load(): { api: EsbuildApi; description: string } {
  if (loaded) return loaded;
  const here = createRequire(import.meta.url);
  if (!existsSync(new URL(SHIPPED_WASM, import.meta.url))) {
    // Running from src/ (tests, tsx): the repository's own esbuild.
    loaded = { api: here("esbuild") as EsbuildApi, description: "the repository's esbuild (running from source)" };
    return loaded;
  }
  const wasm = here(SHIPPED_WASM) as EsbuildApi;
  const native = projectDir ? projectEsbuild(projectDir, wasm.version) : undefined;
  loaded = native
    ? { api: native.api, description: `the project's esbuild ${native.api.version} (${native.dir})` }
    : { api: wasm, description: `esbuild-wasm ${wasm.version}, shipped with the action (install esbuild ${minor(wasm.version)}.x in the project for native speed)` };
  return loaded;
}

function projectEsbuild(dir: string, wantedVersion: string): { api: EsbuildApi; dir: string } | undefined {
  try {
    const require = createRequire(join(dir, "package.json"));
    const main = require.resolve("esbuild");
    const pkgFile = join(dirname(main), "..", "package.json");
    if (!existsSync(pkgFile)) return undefined;
    const version = (JSON.parse(readFileSync(pkgFile, "utf8")) as { version?: string }).version;
    if (!version || minor(version) !== minor(wantedVersion)) return undefined;
    const api = require("esbuild") as EsbuildApi;
    api.transformSync(""); // the platform binary is installed and runs
    return { api, dir: dirname(pkgFile) };
  } catch {
    return undefined;
  }
}

function minor(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}

export const build: EsbuildApi["build"] = ((options: Esbuild.BuildOptions) => load().api.build(options)) as EsbuildApi["build"];
export const context: EsbuildApi["context"] = ((options: Esbuild.BuildOptions) => load().api.context(options)) as EsbuildApi["context"];
export const transform: EsbuildApi["transform"] = ((input: string | Uint8Array, options?: Esbuild.TransformOptions) =>
  load().api.transform(input, options)) as EsbuildApi["transform"];
export const formatMessages: EsbuildApi["formatMessages"] = (messages, options) => load().api.formatMessages(messages, options);
export const analyzeMetafile: EsbuildApi["analyzeMetafile"] = (metafile, options) => load().api.analyzeMetafile(metafile, options);
export const stop: EsbuildApi["stop"] = () => (loaded ? loaded.api.stop() : Promise.resolve());
