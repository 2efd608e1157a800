import type { Plugin } from "esbuild";

/**
 * The worker bundle imports the config file (for its runtime settings and global hooks), but `build` is
 * build-time only: the builder's extension helpers resolve to inert stubs there, so neither they nor what
 * they import (esbuild, typescript) end up in the bundle.
 */
export function buildOnlyStubs(): Plugin {
  return {
    name: "gantry-build-only-stubs",
    setup(build) {
      build.onResolve({ filter: /^@gantry\/(builder|cli)(\/.*)?$/ }, (args) => ({ path: args.path, namespace: "gantry-build-only" }));
      build.onLoad({ filter: /.*/, namespace: "gantry-build-only" }, () => ({
        contents: STUB,
        loader: "js",
      }));
    },
  };
}

const STUB = `
const stub = (name) => () => ({ name });
export const additionalFiles = stub("additionalFiles");
export const additionalPackages = stub("additionalPackages");
export const esbuildPlugin = stub("esbuildPlugin");
export const emitDecoratorMetadata = stub("emitDecoratorMetadata");
export const syncEnvVars = stub("syncEnvVars");
export const defineExtension = (extension) => ({ name: extension?.name ?? "extension" });
export default {};
`;
