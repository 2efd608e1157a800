import { builderContext, type BuildExtension } from "./types.js";

/**
 * Copies files matching globs (relative to the project root) into the build at the same relative paths, in
 * dev and deploy alike.
 *
 * @example
 * build: { extensions: [additionalFiles({ files: ["./assets/**", "./fonts/*.ttf"] })] }
 */
export function additionalFiles(options: { files: string[] }): BuildExtension {
  return {
    name: "additionalFiles",
    onBuildComplete(sdkContext) {
      const context = builderContext(sdkContext);
      context.addFiles(options.files);
    },
  };
}
