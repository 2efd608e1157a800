import { parseArgs } from "node:util";
import { ENVIRONMENT_SLUGS, type EnvironmentSlug } from "@gantry/sdk/contracts";
import { CliError } from "../errors.js";
import { LOG_LEVELS, type LogLevel } from "./io.js";

const OPTIONS = {
  config: { type: "string", short: "c" },
  "project-ref": { type: "string", short: "p" },
  env: { type: "string", short: "e" },
  branch: { type: "string", short: "b" },
  profile: { type: "string" },
  "api-url": { type: "string", short: "a" },
  "log-level": { type: "string", short: "l" },
  token: { type: "string", short: "t" },
  "skip-promotion": { type: "boolean" },
  "dry-run": { type: "boolean" },
  "env-file": { type: "string" },
  "override-config": { type: "boolean" },
  "skip-update-check": { type: "boolean" },
  "skip-telemetry": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

export interface ParsedArgs {
  command: string | undefined;
  positionals: string[];
  config?: string;
  projectRef?: string;
  env?: EnvironmentSlug;
  branch?: string;
  profile?: string;
  apiUrl?: string;
  logLevel: LogLevel;
  token?: string;
  skipPromotion: boolean;
  dryRun: boolean;
  envFile?: string;
  overrideConfig: boolean;
  help: boolean;
  version: boolean;
}

export function parseCliArgs(argv: string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message}: see \`gantry --help\``, "bad_args");
  }
  const v = parsed.values;
  const env = v.env;
  if (env !== undefined && !(ENVIRONMENT_SLUGS as readonly string[]).includes(env)) {
    throw new CliError(`--env must be one of ${ENVIRONMENT_SLUGS.join(", ")} (got "${env}")`, "bad_args");
  }
  const logLevel = v["log-level"] ?? "log";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new CliError(`--log-level must be one of ${LOG_LEVELS.join(", ")} (got "${logLevel}")`, "bad_args");
  }
  const [command, ...positionals] = parsed.positionals;
  return {
    command,
    positionals,
    config: v.config,
    projectRef: v["project-ref"],
    env: env as EnvironmentSlug | undefined,
    branch: v.branch,
    profile: v.profile,
    apiUrl: v["api-url"],
    logLevel: logLevel as LogLevel,
    token: v.token,
    skipPromotion: v["skip-promotion"] ?? false,
    dryRun: v["dry-run"] ?? false,
    envFile: v["env-file"],
    overrideConfig: v["override-config"] ?? false,
    help: v.help ?? false,
    version: v.version ?? false,
  };
}

export const HELP = `gantry <command> [options]

Commands
  init                      Add gantry.config.ts, an example task and the @gantry/sdk dependency
  login                     Log in (interactive, or --api-url <url> --token <tr_pat_…>)
  logout                    Remove a profile (--profile, default: the current one)
  whoami                    Show the logged-in user, the api URL and the project
  list-profiles             List login profiles
  switch <profile>          Make a profile the default
  deploy [path]             Build and deploy (--env prod|staging|preview, --skip-promotion, --dry-run, --env-file: sync its variables)
  promote <version>         Make a deployed version current (--env)
  update                    Point @gantry/sdk at the platform's tarball
  dev [path]                Run your dev environment's runs locally, rebuilding on change (--env-file)
  projects create <name>    Create a project
  tokens create <name>      Create a personal access token
  github connect <owner/repo> Connect a GitHub repository to the project (the Gantry GitHub App must be installed on it)
  preview archive --branch <name>  Archive a preview branch (what closing its pull request does)

Options
  -c, --config <file>       Config file (default gantry.config.ts)
  -p, --project-ref <ref>   Project ref (overrides the config's project)
  -e, --env <env>           dev, staging, prod (default) or preview
  -b, --branch <name>       Preview branch
      --profile <name>      Login profile (default: the current one)
  -a, --api-url <url>       Api URL (env GANTRY_API_URL)
  -l, --log-level <level>   debug, info, log (default), warn, error, none
  -h, --help                This help
  -v, --version             The CLI's version

GANTRY_ACCESS_TOKEN and GANTRY_API_URL override the profile (for CI).
`;
