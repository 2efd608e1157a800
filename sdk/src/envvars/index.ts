import { z } from "zod";
import { apiClient, type RequestOptions } from "../client/config.js";

/** A variable as the API returns it; a secret's value reads as "" (it is never sent back). */
export const EnvVarWithSecret = z.object({ name: z.string(), value: z.string(), isSecret: z.boolean() });
export type EnvVarWithSecret = z.infer<typeof EnvVarWithSecret>;
const Success = z.object({ success: z.boolean() }).passthrough();

/** An environment: "dev" | "staging" | "prod" | "preview" (a preview branch: `configure({ previewBranch })`). */
export type EnvSlug = "dev" | "staging" | "prod" | "preview";

const path = (projectRef: string, env: EnvSlug, name?: string) =>
  `/api/v1/projects/${encodeURIComponent(projectRef)}/envvars/${env}${name === undefined ? "" : `/${encodeURIComponent(name)}`}`;

async function list(projectRef: string, env: EnvSlug, requestOptions?: RequestOptions): Promise<EnvVarWithSecret[]> {
  return (await apiClient(requestOptions).request(z.array(EnvVarWithSecret), "GET", path(projectRef, env))).data;
}

async function create(
  projectRef: string,
  env: EnvSlug,
  variable: { name: string; value: string; isSecret?: boolean },
  requestOptions?: RequestOptions,
): Promise<{ success: boolean }> {
  return (await apiClient(requestOptions).request(Success, "POST", path(projectRef, env), { body: variable })).data;
}

async function retrieve(projectRef: string, env: EnvSlug, name: string, requestOptions?: RequestOptions): Promise<EnvVarWithSecret> {
  return (await apiClient(requestOptions).request(EnvVarWithSecret, "GET", path(projectRef, env, name))).data;
}

async function update(projectRef: string, env: EnvSlug, name: string, params: { value: string }, requestOptions?: RequestOptions): Promise<{ success: boolean }> {
  return (await apiClient(requestOptions).request(Success, "PUT", path(projectRef, env, name), { body: params })).data;
}

async function del(projectRef: string, env: EnvSlug, name: string, requestOptions?: RequestOptions): Promise<{ success: boolean }> {
  return (await apiClient(requestOptions).request(Success, "DELETE", path(projectRef, env, name))).data;
}

/**
 * Imports many variables: an object, a list, or the text of a `.env` file (a bad line is a 400 naming it).
 * Existing variables are kept unless `override`.
 */
async function upload(
  projectRef: string,
  env: EnvSlug,
  params: { variables: Record<string, string> | Array<{ name: string; value: string }> | string; override?: boolean; isSecret?: boolean },
  requestOptions?: RequestOptions,
): Promise<{ success: boolean }> {
  return (await apiClient(requestOptions).request(Success, "POST", `${path(projectRef, env)}/import`, { body: params })).data;
}

/**
 * An environment's variables, with a secret key of that environment or a personal access token.
 *
 * @example
 * import { envvars } from "@gantry/sdk";
 * await envvars.create("proj_gantrydemo", "prod", { name: "API_KEY", value: "…", isSecret: true });
 * await envvars.upload("proj_gantrydemo", "prod", { variables: await readFile(".env", "utf8"), override: true });
 * const vars = await envvars.list("proj_gantrydemo", "prod"); // secrets read as ""
 */
export const envvars = { list, create, retrieve, update, del, upload };
