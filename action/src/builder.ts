/** What the action uses of the builder (its deploy library), in one place. */
export { ApiClient, ApiRequestError, BuildError, CliError, deploy, loadConfig, promote, type DeployProgress, type DeployResult, type SourceLocation } from "@gantry/builder";
