import { relative } from "node:path";
import { CliError, BuildError } from "../errors.js";
import { CLI_VERSION } from "../version.js";
import { HELP, parseCliArgs } from "./args.js";
import type { Command } from "./command.js";
import { createOutput, type CliIo } from "./io.js";
import { login, logout, whoami, listProfiles, switchProfile } from "./commands/auth.js";
import { deployCommand, promoteCommand } from "./commands/deploy.js";
import { init, update } from "./commands/project-files.js";
import { projects, tokens } from "./commands/admin.js";
import { devCommand } from "./commands/dev.js";
import { github, preview } from "./commands/github.js";

const COMMANDS: Record<string, Command> = {
  init,
  login,
  logout,
  whoami,
  "list-profiles": listProfiles,
  switch: switchProfile,
  deploy: deployCommand,
  promote: promoteCommand,
  update,
  dev: devCommand,
  projects,
  tokens,
  github,
  preview,
};

/** Runs one CLI invocation; returns the exit code (errors print their message, which names the fix, and give 1). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let out = createOutput(io, "log");
  try {
    const args = parseCliArgs(argv);
    out = createOutput(io, args.logLevel);
    if (args.version) {
      io.stdout.write(`${CLI_VERSION}\n`);
      return 0;
    }
    if (args.help || !args.command) {
      io.stdout.write(HELP);
      return args.command || args.help ? 0 : 1;
    }
    const command = COMMANDS[args.command];
    if (!command) throw new CliError(`Unknown command "${args.command}": see \`gantry --help\``, "bad_args");
    return (await command({ args, io, out })) ?? 0;
  } catch (error) {
    if (error instanceof BuildError && error.location) {
      if (io.env.GITHUB_ACTIONS === "true") io.stdout.write(githubAnnotation(error, io.env.GITHUB_WORKSPACE ?? io.cwd));
      out.error(`${error.location.file}:${error.location.line}${error.location.column ? `:${error.location.column}` : ""}: ${error.message}`);
    } else if (error instanceof CliError) {
      out.error(error.message);
    } else {
      out.error(`${(error as Error)?.stack ?? String(error)}\n(This is a bug in the gantry CLI; please report it with the command you ran.)`);
    }
    return 1;
  }
}

/** A workflow command GitHub Actions turns into an annotation on the file and line. */
function githubAnnotation(error: BuildError, workspace: string): string {
  const loc = error.location!;
  const file = loc.absoluteFile ? relative(workspace, loc.absoluteFile) : loc.file;
  const escape = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  return `::error file=${file},line=${loc.line}${loc.column ? `,col=${loc.column}` : ""},title=Build failed::${escape(error.message)}\n`;
}
