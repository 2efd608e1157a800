import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomUUID } from "node:crypto";
import * as esbuild from "esbuild";
import { glob } from "tinyglobby";
import { BuildManifest, type TaskManifest } from "@gantry/sdk/contracts";
import type { ResolvedConfig } from "../config/config-schema.js";
import { discoverTaskFiles } from "../config/discover-tasks.js";
import { BuildError } from "../errors.js";
import type { BuildLogger, BuildTarget } from "../extensions/types.js";
import { CLI_VERSION } from "../version.js";
import { hashFiles, listFiles } from "./artifact.js";
import { createBuildContext, type BuildRequests } from "./build-context.js";
import { buildOnlyStubs } from "./build-only-stubs.js";
import { CJS_DEFINES, CJS_SHIM } from "./cjs-shim.js";
import { copyExternals, parsePackageSpec } from "./copy-externals.js";
import { generateEntry } from "./entry.js";
import { esbuildErrorToBuildError } from "./esbuild-errors.js";
import { indexWorker } from "./index-worker.js";
import { projectSdkVersion } from "./sdk-version.js";

export const ENTRY_POINT = "index.mjs";

export type BuildProgress =
  | { step: "bundling"; taskFiles: number }
  | { step: "indexing" }
  | { step: "indexed"; tasks: number };

export interface BuildProjectOptions {
  config: ResolvedConfig;
  target: BuildTarget;
  /** Defaults to a fresh folder under `<root>/.gantry/builds/`. */
  outDir?: string;
  logger?: BuildLogger;
  /** Environment of the index run (defaults to this process's). */
  indexEnv?: Record<string, string | undefined>;
  indexTimeoutMs?: number;
  onProgress?: (event: BuildProgress) => void;
}

export interface BuildResult {
  outDir: string;
  entryPoint: string;
  manifest: BuildManifest;
  /** Files of the artifact, relative to outDir. */
  files: string[];
  taskFiles: string[];
  /** External packages copied into node_modules, name → version. */
  externals: Record<string, string>;
}

const silentLogger: BuildLogger = { debug() {}, log() {}, warn() {} };

/** Bundles the project's tasks, copies externals and extra files, indexes the tasks: a deployable build. */
export async function buildProject(opts: BuildProjectOptions): Promise<BuildResult> {
  const { config, target } = opts;
  const logger = opts.logger ?? silentLogger;
  const sdkVersion = projectSdkVersion(config.rootDir);
  const taskFiles = await discoverTaskFiles(config.rootDir, config.dirs, config.ignorePatterns);
  if (taskFiles.length === 0) {
    throw new BuildError(
      `No task files found in ${config.dirs.map((d) => `"${d}"`).join(", ")} under ${config.rootDir}: add one (e.g. src/trigger/example.ts) or set \`dirs\` in ${config.configFile}`,
      undefined,
      { code: "no_tasks" },
    );
  }

  const outDir = opts.outDir ?? newBuildDir(config.rootDir, target);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  try {
    const { context, requests, closePluginRegistration } = createBuildContext({ target, config, outputDir: outDir, logger });
    for (const name of config.build.external) requests.externals.add(name);
    for (const extension of config.build.extensions) {
      for (const name of extension.externalsForTarget?.(target) ?? []) requests.externals.add(name);
      await runHook(extension.name, "onBuildStart", () => extension.onBuildStart?.(context));
    }
    closePluginRegistration();

    opts.onProgress?.({ step: "bundling", taskFiles: taskFiles.length });
    await bundle({ config, outDir, taskFiles, requests, logger });

    const draft = { sdkVersion, cliVersion: CLI_VERSION, runtime: "node" as const, entryPoint: ENTRY_POINT, config: config.runtime, tasks: [], queues: [] };
    for (const extension of config.build.extensions) {
      await runHook(extension.name, "onBuildComplete", () => extension.onBuildComplete?.(context, draft));
    }
    const externals = copyExternals(requests.externals, config.rootDir, outDir);
    await copyAdditionalFiles(config.rootDir, outDir, requests.files);
    for (const [path, contents] of requests.writtenFiles) {
      mkdirSync(dirname(join(outDir, path)), { recursive: true });
      writeFileSync(join(outDir, path), contents);
    }

    opts.onProgress?.({ step: "indexing" });
    const indexed = await indexWorker({ outDir, entryPoint: ENTRY_POINT, rootDir: config.rootDir, env: opts.indexEnv, timeoutMs: opts.indexTimeoutMs });
    const tasks = checkTasks(indexed.tasks);
    opts.onProgress?.({ step: "indexed", tasks: tasks.length });

    const files = listFiles(outDir);
    const manifest = BuildManifest.parse({
      ...draft,
      contentHash: hashFiles(outDir, files),
      config: indexed.config ? { ...config.runtime, ...indexed.config } : config.runtime,
      tasks,
      queues: queuesOf(tasks),
    });
    return { outDir, entryPoint: ENTRY_POINT, manifest, files, taskFiles, externals };
  } catch (error) {
    // A failed build leaves nothing behind unless the caller chose the folder.
    if (!opts.outDir) rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
}

function newBuildDir(rootDir: string, target: BuildTarget): string {
  const parent = join(rootDir, ".gantry", "builds");
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(join(parent, `${target}-`));
}

async function bundle(opts: {
  config: ResolvedConfig;
  outDir: string;
  taskFiles: string[];
  requests: BuildRequests;
  logger: BuildLogger;
}): Promise<void> {
  const { config, requests } = opts;
  const tmpDir = join(config.rootDir, ".gantry", "tmp");
  mkdirSync(tmpDir, { recursive: true });
  const entryFile = join(tmpDir, `entry-${randomUUID()}.mjs`);
  writeFileSync(entryFile, generateEntry({ configFile: config.configFile, rootDir: config.rootDir, taskFiles: opts.taskFiles }));
  const externals = [...requests.externals].map((spec) => parsePackageSpec(spec).name);
  try {
    const result = await esbuild.build({
      absWorkingDir: config.rootDir,
      entryPoints: { index: entryFile },
      outdir: opts.outDir,
      outExtension: { ".js": ".mjs" },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      sourcemap: "linked",
      sourcesContent: false, // stack traces need the mappings, not the sources: keeps artifacts small
      keepNames: config.build.keepNames,
      minify: config.build.minify,
      conditions: config.build.conditions.length > 0 ? [...config.build.conditions, "module", "node"] : undefined,
      jsx: config.build.jsx?.automatic === false ? "transform" : "automatic",
      jsxFactory: config.build.jsx?.factory,
      jsxFragment: config.build.jsx?.fragment,
      external: externals.flatMap((name) => [name, `${name}/*`]),
      plugins: [...requests.pluginsFirst, buildOnlyStubs(), ...requests.pluginsLast],
      banner: { js: CJS_SHIM },
      define: CJS_DEFINES,
      logLevel: "silent",
    });
    for (const warning of result.warnings) opts.logger.debug(`esbuild: ${warning.text}`);
  } catch (error) {
    throw esbuildErrorToBuildError(error, config.rootDir, "Build failed");
  } finally {
    rmSync(entryFile, { force: true });
  }
}

async function copyAdditionalFiles(rootDir: string, outDir: string, requested: BuildRequests["files"]): Promise<void> {
  for (const { glob: pattern, destination } of requested) {
    const matches = await glob(pattern, { cwd: rootDir, onlyFiles: true, ignore: ["**/node_modules/**", ".gantry/**"] });
    if (matches.length === 0) {
      throw new BuildError(`additionalFiles: "${pattern}" matched no files in ${rootDir}: fix the glob (globs are relative to the project root)`, undefined, {
        code: "additional_files_empty",
      });
    }
    for (const match of matches) {
      if (match.startsWith("../")) throw new BuildError(`additionalFiles: "${match}" is outside the project root: keep extra files inside ${rootDir}`);
      const target = destination ? join(destination, basename(match)) : match;
      mkdirSync(dirname(join(outDir, target)), { recursive: true });
      cpSync(join(rootDir, match), join(outDir, target));
    }
  }
}

async function runHook(extension: string, hook: string, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (error) {
    // Extensions are loaded through the config's own bundle, so their BuildError is another class instance.
    if (error instanceof BuildError || (error as Error)?.name === "BuildError") throw error;
    throw new BuildError(`Build extension "${extension}" failed in ${hook}: ${(error as Error).message}`, undefined, { cause: error, code: "extension_failed" });
  }
}

function checkTasks(tasks: TaskManifest[]): TaskManifest[] {
  const seen = new Map<string, string>();
  for (const task of tasks) {
    const other = seen.get(task.id);
    if (other !== undefined) {
      throw new BuildError(`Two tasks have the id "${task.id}" (${other} and ${task.filePath}): task ids must be unique; rename one`, { file: task.filePath, line: 1 }, { code: "duplicate_task" });
    }
    seen.set(task.id, task.filePath);
  }
  return tasks;
}

function queuesOf(tasks: TaskManifest[]): BuildManifest["queues"] {
  const queues = new Map<string, BuildManifest["queues"][number]>();
  for (const task of tasks) if (task.queue && !queues.has(task.queue.name)) queues.set(task.queue.name, task.queue);
  return [...queues.values()];
}
