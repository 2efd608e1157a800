/**
 * The builder's deploy library, in one place. builder/ has no package entry point exporting these yet, so they
 * are reached by path; when `@gantry/builder` exports them, only this file changes.
 */
export { deploy, type DeployProgress, type DeployResult } from "../../builder/src/deploy/deploy.js";
export { promote } from "../../builder/src/deploy/promote.js";
export { ApiClient } from "../../builder/src/deploy/api-client.js";
export { loadConfig } from "../../builder/src/config/load-config.js";
export { ApiRequestError, BuildError, CliError, type SourceLocation } from "../../builder/src/errors.js";
