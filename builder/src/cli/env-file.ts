import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CliError } from "../errors.js";

/**
 * Parses a dotenv file: KEY=value lines, `export` prefixes, quotes, # comments. `onBadLine` hears of lines that
 * are none of these (by default they are skipped).
 */
export function parseEnvFile(text: string, onBadLine?: (lineNumber: number, line: string) => void): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [index, rawLine] of text.split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      onBadLine?.(index + 1, line);
      continue;
    }
    let value = match[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, "\n");
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    vars[match[1]!] = value;
  }
  return vars;
}

/** Reads `--env-file`; `strict` (deploy, which syncs the variables) refuses a line that is not `NAME=value`. */
export function loadEnvFile(cwd: string, path: string, options: { strict?: boolean } = {}): Record<string, string> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new CliError(`--env-file ${file} does not exist: fix the path`, "env_file_not_found");
  return parseEnvFile(
    readFileSync(file, "utf8"),
    options.strict
      ? (n, line) => {
          throw new CliError(`--env-file ${file}:${n} is not NAME=value (${JSON.stringify(line.length > 40 ? `${line.slice(0, 40)}…` : line)}): fix or comment out the line`, "env_file_invalid");
        }
      : undefined,
  );
}
