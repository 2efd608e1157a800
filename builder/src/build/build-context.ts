import { isAbsolute, resolve } from "node:path";
import type { Plugin } from "esbuild";
import type { GantryConfig } from "@gantry/sdk";
import type { ResolvedConfig } from "../config/config-schema.js";
import type { BuildContext, BuildLayer, BuildLogger, BuildTarget } from "../extensions/types.js";

/** What extensions asked the build for. */
export interface BuildRequests {
  pluginsFirst: Plugin[];
  pluginsLast: Plugin[];
  externals: Set<string>;
  /** Globs relative to the project root, copied to the same relative path (or under `destination`). */
  files: { glob: string; destination?: string }[];
  writtenFiles: Map<string, string | Uint8Array>;
}

export function createBuildContext(opts: {
  target: BuildTarget;
  config: ResolvedConfig;
  outputDir: string;
  logger: BuildLogger;
}): { context: BuildContext; requests: BuildRequests; closePluginRegistration(): void } {
  const requests: BuildRequests = { pluginsFirst: [], pluginsLast: [], externals: new Set(), files: [], writtenFiles: new Map() };
  let pluginsOpen = true;
  const registerPlugin: BuildContext["registerPlugin"] = (plugin, options) => {
    if (!pluginsOpen) {
      opts.logger.warn(`esbuild plugin ${plugin.name} was registered after the bundle ran; register it in onBuildStart`);
      return;
    }
    if (options?.target && options.target !== opts.target) return;
    (options?.placement === "first" ? requests.pluginsFirst : requests.pluginsLast).push(plugin);
  };
  const addFiles: BuildContext["addFiles"] = (globs, destination) => {
    for (const glob of globs) requests.files.push({ glob: glob.replace(/^\.\//, ""), destination });
  };
  const context: BuildContext = {
    target: opts.target,
    config: opts.config.user as GantryConfig,
    resolved: opts.config,
    workingDir: opts.config.rootDir,
    outputPath: opts.outputDir,
    logger: opts.logger,
    resolvePath: (path) => (isAbsolute(path) ? path : resolve(opts.config.rootDir, path)),
    registerPlugin,
    addExternal: (name) => void requests.externals.add(name),
    addFiles,
    writeFile: (path, contents) => void requests.writtenFiles.set(path.replace(/^\.?\//, ""), contents),
    addLayer(layer: BuildLayer) {
      for (const name of Object.keys(layer.dependencies ?? {})) requests.externals.add(name);
      for (const file of layer.files ?? []) addFiles([file.source], file.destination);
      for (const plugin of layer.esbuildPlugins ?? []) registerPlugin(plugin as Plugin);
      if (layer.env && Object.keys(layer.env).length > 0) {
        opts.logger.warn(`layer ${layer.id}: env is not applied by builds yet; set these variables on the environment instead: ${Object.keys(layer.env).join(", ")}`);
      }
    },
  };
  return { context, requests, closePluginRegistration: () => void (pluginsOpen = false) };
}
