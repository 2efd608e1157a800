import { resolve } from "node:path";
import type { ParsedArgs } from "./args.js";
import type { CliIo, Output } from "./io.js";
import { resolveCredentials, type Credentials } from "./profiles.js";

export interface CommandContext {
  args: ParsedArgs;
  io: CliIo;
  out: Output;
}

export type Command = (ctx: CommandContext) => Promise<number | void>;

export function credentials(ctx: CommandContext): Credentials {
  return resolveCredentials({ env: ctx.io.env, profile: ctx.args.profile, apiUrlFlag: ctx.args.apiUrl });
}

/** The project folder: the `[path]` positional, else cwd. */
export function projectDir(ctx: CommandContext, positionalIndex = 0): string {
  const path = ctx.args.positionals[positionalIndex];
  return path ? resolve(ctx.io.cwd, path) : ctx.io.cwd;
}
