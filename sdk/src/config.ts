import type { MachinePreset, TaskRetryOptions } from "./contracts/index.js";
import type { LogLevel } from "./logger/logger.js";
import type { CatchErrorFn, FailureHookFn, StartHookFn, SuccessHookFn } from "./tasks/types.js";

/** What a build extension's hooks receive from the builder (the builder fills it in). */
export interface BuildContext {
  /** "deploy" or "dev" */
  target: "deploy" | "dev";
  /** the project's root directory */
  workingDir: string;
  /** the build's output directory */
  outputPath?: string;
  config: GantryConfig;
  /** add files, packages or esbuild plugins to this build */
  addLayer(layer: BuildLayer): void;
  logger: { debug(message: string): void; log(message: string): void; warn(message: string): void };
}

/** What an extension adds to a build. */
export interface BuildLayer {
  id: string;
  /** npm packages to install next to the bundle: name → version */
  dependencies?: Record<string, string>;
  /** files to copy: source glob → destination relative to the output */
  files?: { source: string; destination: string }[];
  /** esbuild plugins (`import("esbuild").Plugin`) */
  esbuildPlugins?: unknown[];
  /** environment variables for the deployed tasks */
  env?: Record<string, string>;
}

/**
 * A build extension: named hooks the builder calls. `additionalFiles`, `additionalPackages`, `esbuildPlugin`
 * and `emitDecoratorMetadata` (from `@gantry/builder/extensions`) are extensions; so are your own.
 */
export interface BuildExtension {
  name: string;
  /** packages to leave out of the bundle for this target */
  externalsForTarget?: (target: BuildContext["target"]) => string[] | undefined;
  onBuildStart?: (context: BuildContext) => void | Promise<void>;
  onBuildComplete?: (context: BuildContext, manifest: unknown) => void | Promise<void>;
  /**
   * Variables to upsert into the target environment before a deploy becomes current (the reference's
   * `syncEnvVars`; `syncEnvVars(fn)` from `@gantry/builder/extensions` builds this extension). Runs on
   * `gantry deploy` and GitHub-driven deploys, not in `gantry dev`.
   */
  syncEnvVars?: SyncEnvVarsFunction;
  /** whether synced variables replace values already set (default true) */
  syncEnvVarsOverride?: boolean;
}

/** What a `syncEnvVars` callback receives. */
export interface SyncEnvVarsContext {
  /** the environment deployed to: "prod", "staging" or "preview" (or "dev") */
  environment: string;
  projectRef: string;
  /** the preview branch, for preview deploys */
  branch?: string;
  /** the variables the deploy runs with (its process environment and `--env-file`), e.g. a secret store's credentials */
  env: Record<string, string>;
}

/**
 * What a `syncEnvVars` callback returns: `{ NAME: "value" }` or `[{ name, value }]`; `isParentEnv: true` (preview
 * deploys) puts a variable on the preview environment every branch inherits instead of on the branch.
 */
export type SyncEnvVarsResult = Record<string, string> | Array<{ name: string; value: string; isParentEnv?: boolean }> | undefined | void;

export type SyncEnvVarsFunction = (context: SyncEnvVarsContext) => SyncEnvVarsResult | Promise<SyncEnvVarsResult>;

/** `processKeepAlive`: reuse a worker process for later runs. */
export type ProcessKeepAlive = boolean | { enabled?: boolean; maxExecutionsPerProcess?: number; devMaxPoolSize?: number };

/** The contents of `gantry.config.ts`. */
export interface GantryConfig {
  /** the project ref, `proj_…` */
  project: string;
  /** folders holding task files (default: every `trigger` folder) */
  dirs?: string[];
  /** globs of files to skip (default: *.test.*, *.spec.*) */
  ignorePatterns?: string[];
  tsconfig?: string;
  /** `default.outOfMemory.machine`: out-of-memory attempts of every task retry on that machine (a task's own wins) */
  retries?: { enabledInDev?: boolean; default?: TaskRetryOptions };
  /** default max active seconds per attempt */
  maxDuration?: number;
  defaultMachine?: MachinePreset;
  /** alias of defaultMachine (the reference's machines page uses it) */
  machine?: MachinePreset;
  processKeepAlive?: ProcessKeepAlive;
  /** filters logger.* calls (console.* is always kept); default "info" */
  logLevel?: LogLevel;
  build?: {
    /** packages kept out of the bundle and installed next to it */
    external?: string[];
    extensions?: BuildExtension[];
    keepNames?: boolean;
    minify?: boolean;
    conditions?: string[];
    jsx?: { factory?: string; fragment?: string; automatic?: boolean };
  };
  /** global hooks in config (older style; `tasks.*` in init.ts is preferred) */
  init?: StartHookFn;
  onStart?: StartHookFn;
  onSuccess?: SuccessHookFn;
  onFailure?: FailureHookFn;
  catchError?: CatchErrorFn;
}

/**
 * Declares the project's configuration in `gantry.config.ts` (the builder reads it; the deployed worker
 * receives it without `build`).
 *
 * @example
 * import { defineConfig } from "@gantry/sdk";
 * export default defineConfig({
 *   project: "proj_gantrydemo",
 *   dirs: ["./src/trigger"],
 *   retries: { enabledInDev: false, default: { maxAttempts: 3, minTimeoutInMs: 1000, maxTimeoutInMs: 10000, factor: 2, randomize: true } },
 *   maxDuration: 300,
 *   build: { external: ["sharp"] },
 * });
 */
export function defineConfig(config: GantryConfig): GantryConfig {
  return config;
}
