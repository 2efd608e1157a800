import type { Plugin } from "esbuild";
import type { BuildContext as SdkBuildContext, BuildExtension as SdkBuildExtension, BuildLayer } from "@gantry/sdk";
import type { BuildManifest } from "@gantry/sdk/contracts";
import type { ResolvedConfig } from "../config/config-schema.js";

/** "dev" for `gantry dev`, "deploy" for `gantry deploy` and the build worker. */
export type BuildTarget = "dev" | "deploy";

export interface BuildLogger {
  debug(message: string): void;
  log(message: string): void;
  warn(message: string): void;
}

/**
 * What an extension's hooks receive: the SDK's BuildContext (`addLayer`, typed in `@gantry/sdk` so configs
 * type-check) plus the builder's direct helpers. `registerPlugin` only has an effect in `onBuildStart` (the
 * bundle has not run yet); files and externals may be added in either hook.
 */
export interface BuildContext extends SdkBuildContext {
  outputPath: string;
  /** The loaded config with defaults applied and the project root. */
  resolved: ResolvedConfig;
  resolvePath(path: string): string;
  registerPlugin(plugin: Plugin, options?: { target?: BuildTarget; placement?: "first" | "last" }): void;
  /** Keep a package out of the bundle and copy it (and its dependencies) into the artifact's node_modules. */
  addExternal(packageName: string): void;
  /** Copy files matching globs (relative to the project root) into the artifact at the same relative paths. */
  addFiles(globs: string[], destination?: string): void;
  /** Write one file into the artifact. */
  writeFile(relativePath: string, contents: string | Uint8Array): void;
}

/** The manifest as it stands when `onBuildComplete` runs (bundled; tasks not indexed yet, hashes not computed). */
export type BuildManifestDraft = Omit<BuildManifest, "contentHash">;

/** A build extension (the SDK's type, so `defineConfig` accepts the builder's extensions). */
export type BuildExtension = SdkBuildExtension;
export type { BuildLayer };

/** The builder's context behind the SDK-typed one an extension hook receives. */
export function builderContext(context: SdkBuildContext): BuildContext {
  if (typeof (context as Partial<BuildContext>).registerPlugin !== "function") {
    throw new Error("this extension needs the Gantry builder (@gantry/builder or @gantry/cli) to run it");
  }
  return context as BuildContext;
}
