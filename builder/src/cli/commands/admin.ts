import { CreateTokenResponse, ProjectInfo } from "@gantry/sdk/contracts";
import { ApiClient } from "../../deploy/api-client.js";
import { CliError } from "../../errors.js";
import { credentials, type Command } from "../command.js";

/** `gantry projects create <name>`: prints the ref and each environment's secret key. */
export const projects: Command = async (ctx) => {
  const [sub, ...rest] = ctx.args.positionals;
  const name = rest.join(" ").trim();
  if (sub !== "create" || !name) throw new CliError("Usage: `gantry projects create <name>`", "bad_args");
  const creds = credentials(ctx);
  const client = new ApiClient({ apiUrl: creds.apiUrl, token: creds.accessToken, fetch: ctx.io.fetch });
  const project = await client.json("POST", "/api/v1/projects", ProjectInfo, { name });
  ctx.out.log(`Created project ${project.name} (${project.ref}) in ${project.organization.title}`);
  for (const env of project.environments) if (env.apiKey) ctx.out.log(`  ${env.slug.padEnd(8)} ${env.apiKey}`);
  ctx.out.log(`Use it: \`gantry init --project-ref ${project.ref}\``);
};

/** `gantry tokens create <name>`: prints a new personal access token (shown once). */
export const tokens: Command = async (ctx) => {
  const [sub, ...rest] = ctx.args.positionals;
  const name = rest.join(" ").trim();
  if (sub !== "create" || !name) throw new CliError("Usage: `gantry tokens create <name>`", "bad_args");
  const creds = credentials(ctx);
  const client = new ApiClient({ apiUrl: creds.apiUrl, token: creds.accessToken, fetch: ctx.io.fetch });
  const token = await client.json("POST", "/api/v1/tokens", CreateTokenResponse, { name });
  ctx.out.log(token.token);
  ctx.out.warn(`Token "${token.name}" is shown only once: store it now (e.g. as GANTRY_ACCESS_TOKEN in CI secrets)`);
};
