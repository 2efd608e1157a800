import pkg from "../package.json" with { type: "json" };

/** The CLI's own version (builder/package.json), recorded on deployments as `cliVersion`. */
export const CLI_VERSION: string = pkg.version;
