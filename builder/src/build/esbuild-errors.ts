import { relative, isAbsolute, resolve } from "node:path";
import type { Message } from "esbuild";
import { BuildError } from "../errors.js";

/**
 * Turns esbuild's failure into a BuildError naming the first error's file and line (relative to the project
 * root), e.g. "src/trigger/broken.ts:3:14: Expected ")" but found "{"".
 */
export function esbuildErrorToBuildError(error: unknown, rootDir: string, prefix: string): BuildError {
  const messages = (error as { errors?: Message[] }).errors;
  if (!Array.isArray(messages) || messages.length === 0) {
    return new BuildError(`${prefix}: ${(error as Error)?.message ?? String(error)}`, undefined, { cause: error });
  }
  const first = messages[0]!;
  const location = first.location
    ? {
        file: toProjectPath(rootDir, first.location.file),
        absoluteFile: resolve(rootDir, first.location.file),
        line: first.location.line,
        column: first.location.column + 1,
        lineText: first.location.lineText,
      }
    : undefined;
  const lines = messages.slice(0, 5).map((m) => {
    const where = m.location ? `${toProjectPath(rootDir, m.location.file)}:${m.location.line}:${m.location.column + 1}: ` : "";
    return `  ${where}${m.text}`;
  });
  const more = messages.length > 5 ? `\n  …and ${messages.length - 5} more` : "";
  return new BuildError(`${prefix}:\n${lines.join("\n")}${more}`, location, { cause: error });
}

function toProjectPath(rootDir: string, file: string): string {
  const abs = isAbsolute(file) ? file : resolve(rootDir, file); // esbuild runs with absWorkingDir = rootDir
  return relative(rootDir, abs).split("\\").join("/");
}
