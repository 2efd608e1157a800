import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CliError } from "../errors.js";

/** Parses a dotenv file: KEY=value lines, `export` prefixes, quotes, # comments. */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
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

export function loadEnvFile(cwd: string, path: string): Record<string, string> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new CliError(`--env-file ${file} does not exist: fix the path`, "env_file_not_found");
  return parseEnvFile(readFileSync(file, "utf8"));
}
