import * as core from "@actions/core";
import { isAbsolute, resolve } from "node:path";

export type ActionCommand = "deploy" | "archive" | "promote";
export type DeployEnvironment = "prod" | "staging" | "preview";

/** The action's inputs, read and checked once (actions/checkout's input-helper). */
export interface ActionInputs {
  apiUrl: string;
  accessToken: string;
  environment: DeployEnvironment;
  /** Explicit preview branch; undefined means "from the event". */
  branch?: string;
  /** Absolute project folder. */
  workingDirectory: string;
  configPath?: string;
  skipPromotion: boolean;
  /** undefined: decided from the event (archive on a closed pull request in preview, else deploy). */
  command?: ActionCommand;
  version?: string;
}

/** Thrown for an input the user must fix in their workflow file. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`Input "${input}": ${message}`);
    this.name = "InputError";
  }
}

const ENVIRONMENTS: readonly DeployEnvironment[] = ["prod", "staging", "preview"];
const COMMANDS: readonly ActionCommand[] = ["deploy", "archive", "promote"];
const ENV_ALIASES: Record<string, DeployEnvironment> = { production: "prod", prd: "prod", stg: "staging" };

/**
 * Reads the inputs the Actions runner passes as INPUT_* variables. `workspace` is GITHUB_WORKSPACE (the
 * repository root), which relative `working-directory` values are resolved against.
 */
export function getInputs(workspace: string): ActionInputs {
  const apiUrl = required("api-url");
  if (!/^https?:\/\/[^/]+/.test(apiUrl)) {
    throw new InputError("api-url", `"${apiUrl}" is not an http(s) URL: pass your Gantry api's address, e.g. https://gantry.example.com`);
  }
  const accessToken = required("access-token");
  core.setSecret(accessToken);

  const environmentRaw = (core.getInput("environment") || "prod").toLowerCase();
  const environment = ENV_ALIASES[environmentRaw] ?? environmentRaw;
  if (!isOneOf(ENVIRONMENTS, environment)) {
    throw new InputError("environment", `"${environmentRaw}" is not one of ${ENVIRONMENTS.join(", ")}`);
  }

  const commandRaw = core.getInput("command").toLowerCase();
  if (commandRaw && !isOneOf(COMMANDS, commandRaw)) {
    throw new InputError("command", `"${commandRaw}" is not one of ${COMMANDS.join(", ")} (or empty: decided from the event)`);
  }
  const command = commandRaw ? (commandRaw as ActionCommand) : undefined;

  const version = core.getInput("version") || undefined;
  if (command === "promote" && !version) {
    throw new InputError("version", "command promote needs the version to promote, e.g. version: ${{ steps.deploy.outputs.deployment-version }}");
  }
  if (version && !/^\d{8}\.\d+$/.test(version)) {
    throw new InputError("version", `"${version}" is not a Gantry version (YYYYMMDD.N, e.g. 20260101.3)`);
  }

  const workingDirectoryRaw = core.getInput("working-directory") || ".";
  const workingDirectory = isAbsolute(workingDirectoryRaw) ? workingDirectoryRaw : resolve(workspace, workingDirectoryRaw);

  return {
    apiUrl: apiUrl.replace(/\/+$/, ""),
    accessToken,
    environment,
    branch: core.getInput("branch") || undefined,
    workingDirectory,
    configPath: core.getInput("config") || undefined,
    skipPromotion: booleanInput("skip-promotion"),
    command,
    version,
  };
}

function required(name: string): string {
  const value = core.getInput(name);
  if (!value) {
    const secretHint = name === "access-token" ? " from a secret (pull requests from forks get no secrets: skip the step for them)" : "";
    throw new InputError(name, `is required: add \`${name}: …\` under \`with:\` in your workflow${secretHint}`);
  }
  return value;
}

/** core.getBooleanInput throws a TypeError without the input's name; this one names it. */
function booleanInput(name: string): boolean {
  const value = (core.getInput(name) || "false").toLowerCase();
  if (value === "true") return true;
  if (value === "false") return false;
  throw new InputError(name, `"${value}" is not true or false`);
}

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}
