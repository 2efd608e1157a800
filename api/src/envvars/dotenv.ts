import { badRequest } from "../errors.js";

/**
 * Parses a `.env` file: `NAME=value` lines, optional `export `, `#` comments, single- or double-quoted values
 * (double quotes understand \n, \t, \" and \\). A line that is none of these is a 400 naming it.
 */
export function parseDotenv(text: string, param = "variables"): Array<{ name: string; value: string }> {
  const out: Array<{ name: string; value: string }> = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = line.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/);
    if (!match) {
      throw badRequest(`.env line ${i + 1} is not NAME=value: ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw)}`, param);
    }
    const value = unquote(match[2]!);
    if (value === undefined) throw badRequest(`.env line ${i + 1} has an unterminated quote (values span one line): ${match[1]}`, param);
    out.push({ name: match[1]!, value });
  }
  return out;
}

function unquote(value: string): string | undefined {
  const quote = value[0];
  if (quote === '"' || quote === "'") {
    const end = value.lastIndexOf(quote);
    if (end === 0) return undefined;
    const rest = value.slice(end + 1).trim();
    if (rest !== "" && !rest.startsWith("#")) return undefined;
    const inner = value.slice(1, end);
    if (quote === "'") return inner;
    return inner.replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" })[c] ?? c);
  }
  const hash = value.search(/\s#/);
  return (hash >= 0 ? value.slice(0, hash) : value).trim();
}
