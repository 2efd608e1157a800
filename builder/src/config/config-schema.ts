import { z } from "zod";
import { MachinePreset, RuntimeConfig, TaskRetryOptions } from "@gantry/sdk/contracts";
import type { BuildExtension } from "../extensions/types.js";

const extension = z.custom<BuildExtension>(
  (value) => typeof value === "object" && value !== null && typeof (value as { name?: unknown }).name === "string",
  { message: "each build extension must be an object with a `name` (e.g. additionalFiles({ files: [...] }))" },
);

/** `gantry.config.ts`'s default export, as the builder reads it (defineConfig's shape). */
export const UserConfig = z
  .object({
    project: z
      .string({ message: "`project` is required: set it to your project ref, e.g. project: \"proj_abc123\"" })
      .regex(/^proj_[a-z0-9]+$/, { message: "`project` must be a project ref like \"proj_abc123\" (see `gantry whoami` or the dashboard)" }),
    dirs: z.array(z.string().min(1)).optional(),
    ignorePatterns: z.array(z.string()).optional(),
    tsconfig: z.string().optional(),
    retries: z.object({ enabledInDev: z.boolean().optional(), default: TaskRetryOptions.optional() }).optional(),
    maxDuration: z.number().int().min(0).optional(),
    machine: MachinePreset.optional(),
    defaultMachine: MachinePreset.optional(),
    processKeepAlive: RuntimeConfig.shape.processKeepAlive,
    logLevel: RuntimeConfig.shape.logLevel,
    build: z
      .object({
        external: z.array(z.string()).optional(),
        extensions: z.array(extension).optional(),
        conditions: z.array(z.string()).optional(),
        keepNames: z.boolean().optional(),
        minify: z.boolean().optional(),
        jsx: z.object({ factory: z.string().optional(), fragment: z.string().optional(), automatic: z.boolean().optional() }).optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type UserConfig = z.infer<typeof UserConfig>;

/** The loaded config plus where it came from. */
export interface ResolvedConfig {
  /** Absolute path of the project root (the config file's folder). */
  rootDir: string;
  /** Absolute path of the config file. */
  configFile: string;
  project: string;
  /** Task folders, relative to rootDir. */
  dirs: string[];
  ignorePatterns: string[];
  user: UserConfig;
  build: {
    external: string[];
    extensions: BuildExtension[];
    conditions: string[];
    keepNames: boolean;
    minify: boolean;
    jsx?: { factory?: string; fragment?: string; automatic?: boolean };
  };
  /** What the runtime needs (goes into the manifest). */
  runtime: RuntimeConfig;
}

export function toRuntimeConfig(user: UserConfig): RuntimeConfig {
  return RuntimeConfig.parse({
    project: user.project,
    retries: user.retries,
    maxDuration: user.maxDuration,
    machine: user.machine ?? user.defaultMachine,
    processKeepAlive: user.processKeepAlive,
    logLevel: user.logLevel,
  });
}
