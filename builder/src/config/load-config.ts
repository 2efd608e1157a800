import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { randomUUID } from "node:crypto";
import * as esbuild from "esbuild";
import { BuildError, CliError } from "../errors.js";
import { esbuildErrorToBuildError } from "../build/esbuild-errors.js";
import { CJS_DEFINES, CJS_SHIM } from "../build/cjs-shim.js";
import { findConfigFile } from "./find-config.js";
import { UserConfig, toRuntimeConfig, type ResolvedConfig } from "./config-schema.js";
import { discoverTaskDirs } from "./discover-tasks.js";

export interface LoadConfigOptions {
  cwd: string;
  configPath?: string;
  /** `--project-ref` overrides the config's `project`. */
  projectRef?: string;
}

/**
 * Loads `gantry.config.ts`: bundles it with esbuild into a temporary .mjs inside the project (so Node resolves
 * the project's packages from there), imports it, and validates the default export.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<ResolvedConfig> {
  const configFile = findConfigFile(options.cwd, options.configPath);
  const rootDir = dirname(configFile);
  const exported = await importConfigModule(configFile, rootDir);
  const candidate = { ...(exported as object), ...(options.projectRef ? { project: options.projectRef } : {}) };
  const parsed = UserConfig.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join(".") || "default export";
    throw new CliError(`${configFile}: ${field}: ${issue.message}`, "invalid_config");
  }
  const user = parsed.data;
  return {
    rootDir,
    configFile,
    project: user.project,
    dirs: user.dirs ?? discoverTaskDirs(rootDir),
    ignorePatterns: user.ignorePatterns ?? [],
    user,
    build: {
      external: user.build?.external ?? [],
      extensions: user.build?.extensions ?? [],
      conditions: user.build?.conditions ?? [],
      keepNames: user.build?.keepNames ?? true,
      minify: user.build?.minify ?? false,
      jsx: user.build?.jsx,
    },
    runtime: toRuntimeConfig(user),
  };
}

async function importConfigModule(configFile: string, rootDir: string): Promise<unknown> {
  const tmpDir = join(rootDir, ".gantry", "tmp");
  mkdirSync(tmpDir, { recursive: true });
  const outfile = join(tmpDir, `config-${randomUUID()}.mjs`);
  try {
    await esbuild.build({
      entryPoints: [configFile],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "silent",
      absWorkingDir: rootDir,
      plugins: [externalizeInstalledJs()],
      banner: { js: CJS_SHIM },
      define: CJS_DEFINES,
    });
  } catch (error) {
    throw esbuildErrorToBuildError(error, rootDir, "Could not compile the config file");
  }
  try {
    const mod = (await import(pathToFileURL(outfile).href)) as { default?: unknown };
    if (mod.default === undefined || mod.default === null) {
      throw new CliError(`${configFile} has no default export: write \`export default defineConfig({ project: "proj_…" })\``, "invalid_config");
    }
    return mod.default;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new BuildError(`Loading ${configFile} threw: ${(error as Error).message}`, undefined, { cause: error, code: "invalid_config" });
  } finally {
    rmSync(outfile, { force: true });
  }
}

/**
 * Packages installed as JavaScript stay external (Node loads them from the project's node_modules), so a
 * config doesn't drag big libraries into the temp file. TypeScript sources (workspace packages) are bundled:
 * Node can't import them.
 */
function externalizeInstalledJs(): esbuild.Plugin {
  return {
    name: "gantry-config-externals",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === "gantry-config-externals") return undefined;
        if (args.path.startsWith("node:")) return { path: args.path, external: true };
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: "gantry-config-externals" });
        if (resolved.errors.length > 0 || !resolved.path) return undefined;
        const isTs = /\.(c|m)?tsx?$/.test(resolved.path);
        if (resolved.path.includes("/node_modules/") && !isTs) return { path: args.path, external: true };
        return undefined;
      });
    },
  };
}
