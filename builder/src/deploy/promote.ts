import { DeploymentInfo, type EnvironmentSlug } from "@gantry/sdk/contracts";
import { ApiClient } from "./api-client.js";

/** Makes an already deployed version the environment's current one. */
export async function promote(opts: {
  apiUrl: string;
  accessToken: string;
  projectRef: string;
  env: EnvironmentSlug;
  version: string;
  branch?: string;
  fetch?: typeof fetch;
}): Promise<DeploymentInfo> {
  const client = new ApiClient({ apiUrl: opts.apiUrl, token: opts.accessToken, branch: opts.branch, fetch: opts.fetch });
  return client.json(
    "POST",
    `/api/v1/projects/${encodeURIComponent(opts.projectRef)}/envs/${encodeURIComponent(opts.env)}/promote`,
    DeploymentInfo,
    { version: opts.version },
  );
}
