import type { Plugin } from "esbuild";
import { builderContext, type BuildExtension, type BuildTarget } from "./types.js";

/**
 * Adds an esbuild plugin to the bundle (e.g. Sentry's), before or after Gantry's own, for one target or both.
 *
 * @example
 * build: { extensions: [esbuildPlugin(sentryEsbuildPlugin({ org, project }), { placement: "last", target: "deploy" })] }
 */
export function esbuildPlugin(plugin: Plugin, options: { placement?: "first" | "last"; target?: BuildTarget } = {}): BuildExtension {
  return {
    name: `esbuildPlugin:${plugin.name}`,
    onBuildStart(sdkContext) {
      const context = builderContext(sdkContext);
      context.registerPlugin(plugin, options);
    },
  };
}
