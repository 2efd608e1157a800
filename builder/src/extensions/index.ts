export { additionalFiles } from "./additional-files.js";
export { additionalPackages } from "./additional-packages.js";
export { esbuildPlugin } from "./esbuild-plugin.js";
export { emitDecoratorMetadata } from "./emit-decorator-metadata.js";
export { syncEnvVars } from "../deploy/sync-env-vars.js";
export type { BuildContext, BuildExtension, BuildLogger, BuildManifestDraft, BuildTarget } from "./types.js";

import type { BuildExtension } from "./types.js";
/** Identity helper that types a custom extension. */
export const defineExtension = (extension: BuildExtension): BuildExtension => extension;
