import { BuildError } from "../errors.js";
import { findPackageDir, parsePackageSpec, readPackageJson } from "../build/copy-externals.js";
import { builderContext, type BuildExtension } from "./types.js";

/**
 * Ships extra npm packages in the build's node_modules (e.g. a CLI your task spawns). Gantry builds no
 * container image, so the packages are taken from the project's node_modules: install them there first.
 * A version in the spec must match the installed one.
 *
 * @example
 * build: { extensions: [additionalPackages({ packages: ["wrangler@1.19.0"] })] }
 */
export function additionalPackages(options: { packages: string[] }): BuildExtension {
  return {
    name: "additionalPackages",
    onBuildStart(sdkContext) {
      const context = builderContext(sdkContext);
      for (const spec of options.packages) {
        const { name, version } = parsePackageSpec(spec);
        const dir = findPackageDir(name, context.workingDir);
        if (!dir) {
          throw new BuildError(`additionalPackages: "${name}" is not installed in ${context.workingDir}: run \`npm install ${spec}\` there`, undefined, {
            code: "external_not_installed",
          });
        }
        const installed = readPackageJson(dir).version;
        if (version && /^\d+\.\d+\.\d+/.test(version) && installed !== version) {
          throw new BuildError(`additionalPackages wants ${name}@${version} but ${installed} is installed: run \`npm install ${spec}\``, undefined, {
            code: "external_version_mismatch",
          });
        }
        context.addExternal(name);
      }
    },
  };
}
