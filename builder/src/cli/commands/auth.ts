import { ProjectInfo, WhoAmIResponse } from "@gantry/sdk/contracts";
import { findConfigFile } from "../../config/find-config.js";
import { loadConfig } from "../../config/load-config.js";
import { ApiClient } from "../../deploy/api-client.js";
import { CliError } from "../../errors.js";
import { credentials, type Command } from "../command.js";
import { profilesPath, readProfiles, trimUrl, writeProfiles } from "../profiles.js";

const DEFAULT_API_URL = "http://localhost:3030";

/** `gantry login`: verifies the token with whoami, then stores it under the profile (a new profile becomes the default). */
export const login: Command = async ({ args, io, out }) => {
  let apiUrl = args.apiUrl ?? io.env.GANTRY_API_URL;
  let token = args.token ?? io.env.GANTRY_ACCESS_TOKEN;
  if (!token) {
    if (!io.prompt) throw new CliError("No terminal to ask for a token: pass --api-url <url> --token <tr_pat_…>", "not_interactive");
    apiUrl = (await io.prompt(`Gantry api URL [${apiUrl ?? DEFAULT_API_URL}]: `)).trim() || apiUrl || DEFAULT_API_URL;
    token = (await io.prompt("Personal access token (tr_pat_…, printed by `npm start` or `gantry tokens create`): ")).trim();
    if (!token) throw new CliError("No token entered: run `gantry login` again and paste a personal access token", "no_token");
  }
  apiUrl = trimUrl(apiUrl ?? DEFAULT_API_URL);
  const me = await new ApiClient({ apiUrl, token, fetch: io.fetch }).json("GET", "/api/v1/whoami", WhoAmIResponse);
  const path = profilesPath(io.env);
  const file = readProfiles(path);
  const name = args.profile ?? file.currentProfile;
  const isNew = !file.profiles[name];
  file.profiles[name] = { apiUrl, accessToken: token, email: me.email };
  if (isNew || !file.profiles[file.currentProfile]) file.currentProfile = name;
  writeProfiles(path, file);
  out.log(`Logged in to ${apiUrl} as ${me.email} (profile "${name}")`);
};

export const logout: Command = async ({ args, io, out }) => {
  const path = profilesPath(io.env);
  const file = readProfiles(path);
  const name = args.profile ?? file.currentProfile;
  if (!file.profiles[name]) throw new CliError(`There is no profile "${name}": \`gantry list-profiles\` shows them`, "no_profile");
  delete file.profiles[name];
  if (file.currentProfile === name) file.currentProfile = Object.keys(file.profiles)[0] ?? "default";
  writeProfiles(path, file);
  out.log(`Logged out of profile "${name}"`);
};

export const whoami: Command = async (ctx) => {
  const creds = credentials(ctx);
  const client = new ApiClient({ apiUrl: creds.apiUrl, token: creds.accessToken, fetch: ctx.io.fetch });
  const me = await client.json("GET", "/api/v1/whoami", WhoAmIResponse);
  ctx.out.log(`User          ${me.email}${me.name ? ` (${me.name})` : ""}`);
  ctx.out.log(`API URL       ${creds.apiUrl}`);
  ctx.out.log(`Credentials   ${creds.source === "env" ? "GANTRY_ACCESS_TOKEN" : creds.source}`);
  ctx.out.log(`Dashboard     ${me.dashboardUrl}`);
  for (const org of me.organizations) ctx.out.log(`Organization  ${org.title} (${org.slug})`);
  const ref = ctx.args.projectRef ?? (await projectRefInCwd(ctx.io.cwd, ctx.args.config));
  if (!ref) return;
  const project = await client.json("GET", `/api/v1/projects/${encodeURIComponent(ref)}`, ProjectInfo);
  ctx.out.log(`Project       ${project.name} (${project.ref})`);
  for (const env of project.environments) {
    ctx.out.log(`  ${env.slug.padEnd(8)} ${env.branchName ? `branch ${env.branchName}, ` : ""}current version ${env.currentVersion ?? "none"}`);
  }
};

/** The project ref of the config in cwd, if there is one (whoami works outside projects too). */
async function projectRefInCwd(cwd: string, configPath?: string): Promise<string | undefined> {
  try {
    findConfigFile(cwd, configPath);
  } catch {
    return undefined;
  }
  return (await loadConfig({ cwd, configPath })).project;
}

export const listProfiles: Command = async ({ io, out }) => {
  const file = readProfiles(profilesPath(io.env));
  const names = Object.keys(file.profiles);
  if (names.length === 0) {
    out.log("No profiles: run `gantry login`");
    return;
  }
  for (const name of names) {
    const p = file.profiles[name]!;
    out.log(`${name === file.currentProfile ? "*" : " "} ${name}  ${p.apiUrl}${p.email ? `  ${p.email}` : ""}`);
  }
};

export const switchProfile: Command = async ({ args, io, out }) => {
  const name = args.positionals[0];
  const path = profilesPath(io.env);
  const file = readProfiles(path);
  if (!name) throw new CliError(`Name the profile: \`gantry switch <profile>\` (profiles: ${Object.keys(file.profiles).join(", ") || "none"})`, "bad_args");
  if (!file.profiles[name]) throw new CliError(`There is no profile "${name}": run \`gantry login --profile ${name}\` first`, "no_profile");
  file.currentProfile = name;
  writeProfiles(path, file);
  out.log(`Switched to profile "${name}" (${file.profiles[name]!.apiUrl})`);
};
