// @gantry/builder: bundle a task project into a content-addressed artifact + manifest, deploy it, run `gantry dev`.
export { loadConfig, type LoadConfigOptions } from "./config/load-config.js";
export { findConfigFile, CONFIG_FILE_NAMES } from "./config/find-config.js";
export { discoverTaskDirs, discoverTaskFiles } from "./config/discover-tasks.js";
export type { ResolvedConfig, UserConfig } from "./config/config-schema.js";
export { buildProject, ENTRY_POINT, type BuildProjectOptions, type BuildResult, type BuildProgress } from "./build/build-project.js";
export { packArtifact, hashFiles, listFiles, type PackedArtifact } from "./build/artifact.js";
export { deploy, type DeployOptions, type DeployResult, type DryRunResult, type DeployProgress, type DeployStep } from "./deploy/deploy.js";
export { promote } from "./deploy/promote.js";
export { ApiClient } from "./deploy/api-client.js";
export { readGitMeta, detectBranch } from "./deploy/git.js";
export { startDevSession, type DevSession, type DevSessionOptions } from "./dev/dev-session.js";
export { packPackages } from "./pack/pack-packages.js";
export { runCli } from "./cli/run.js";
export { BuildError, CliError, ApiRequestError, type SourceLocation } from "./errors.js";
export { CLI_VERSION } from "./version.js";
