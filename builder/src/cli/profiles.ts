import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { CliError } from "../errors.js";

export const Profile = z.object({ apiUrl: z.string().url(), accessToken: z.string().min(1), email: z.string().optional() });
export type Profile = z.infer<typeof Profile>;

export const ProfilesFile = z.object({
  version: z.literal(1).default(1),
  currentProfile: z.string().default("default"),
  profiles: z.record(z.string(), Profile).default({}),
});
export type ProfilesFile = z.infer<typeof ProfilesFile>;

/** `$XDG_CONFIG_HOME/gantry/config.json`, else `~/.config/gantry/config.json`. */
export function profilesPath(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "gantry", "config.json");
}

export function readProfiles(path: string): ProfilesFile {
  if (!existsSync(path)) return ProfilesFile.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new CliError(`${path} is not valid JSON: fix or delete it, then run \`gantry login\``, "bad_profiles");
  }
  const parsed = ProfilesFile.safeParse(raw);
  if (!parsed.success) throw new CliError(`${path} is not a Gantry profiles file (${parsed.error.issues[0]?.message}): delete it and run \`gantry login\``, "bad_profiles");
  return parsed.data;
}

/** Writes the file readable by its owner only (it holds access tokens). */
export function writeProfiles(path: string, file: ProfilesFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(file, null, 2) + "\n", { mode: 0o600 });
  chmodSync(path, 0o600);
}

export interface Credentials {
  apiUrl: string;
  accessToken: string;
  /** Where they came from, for messages. */
  source: "env" | "flags" | `profile:${string}`;
  profile?: string;
}

/**
 * The api URL and token to use: GANTRY_ACCESS_TOKEN/GANTRY_API_URL (CI) override the profile; `--api-url`
 * overrides the URL. Throws naming `gantry login` when there is nothing to use.
 */
export function resolveCredentials(opts: {
  env: Record<string, string | undefined>;
  profile?: string;
  apiUrlFlag?: string;
  path?: string;
}): Credentials {
  const envToken = opts.env.GANTRY_ACCESS_TOKEN;
  const file = readProfiles(opts.path ?? profilesPath(opts.env));
  const name = opts.profile ?? file.currentProfile;
  const profile = file.profiles[name];
  if (envToken) {
    const apiUrl = opts.apiUrlFlag ?? opts.env.GANTRY_API_URL ?? profile?.apiUrl;
    if (!apiUrl) throw new CliError("GANTRY_ACCESS_TOKEN is set but no api URL is: set GANTRY_API_URL or pass --api-url", "no_api_url");
    return { apiUrl: trimUrl(apiUrl), accessToken: envToken, source: "env" };
  }
  if (!profile) {
    const hint = opts.profile ? `Profile "${opts.profile}" does not exist` : "You are not logged in";
    throw new CliError(`${hint}: run \`gantry login${opts.profile ? ` --profile ${opts.profile}` : ""}\` (or set GANTRY_ACCESS_TOKEN and GANTRY_API_URL)`, "not_logged_in");
  }
  return {
    apiUrl: trimUrl(opts.apiUrlFlag ?? opts.env.GANTRY_API_URL ?? profile.apiUrl),
    accessToken: profile.accessToken,
    source: `profile:${name}`,
    profile: name,
  };
}

export function trimUrl(url: string): string {
  return url.replace(/\/+$/, "");
}
