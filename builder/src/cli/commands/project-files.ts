import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliError } from "../../errors.js";
import { credentials, projectDir, type Command, type CommandContext } from "../command.js";
import { resolveCredentials } from "../profiles.js";

const CONFIG_TEMPLATE = (projectRef: string) => `import { defineConfig } from "@gantry/sdk";

export default defineConfig({
  project: "${projectRef}",
  dirs: ["src/trigger"],
  maxDuration: 300,
  retries: {
    enabledInDev: false,
    default: { maxAttempts: 3, minTimeoutInMs: 1000, maxTimeoutInMs: 10_000, factor: 2, randomize: true },
  },
});
`;

const EXAMPLE_TASK = `import { logger, task } from "@gantry/sdk";

export const helloWorld = task({
  id: "hello-world",
  run: async (payload: { name?: string }) => {
    logger.log("Hello, world!", { payload });
    return { message: \`Hello, \${payload.name ?? "world"}!\` };
  },
});
`;

/** The api URL to point dependencies at: --api-url, GANTRY_API_URL, else the logged-in profile's. */
function apiUrlFor(ctx: CommandContext): string {
  if (ctx.args.apiUrl) return ctx.args.apiUrl.replace(/\/+$/, "");
  if (ctx.io.env.GANTRY_API_URL) return ctx.io.env.GANTRY_API_URL.replace(/\/+$/, "");
  try {
    return resolveCredentials({ env: ctx.io.env, profile: ctx.args.profile }).apiUrl;
  } catch {
    throw new CliError("Which Gantry api? Pass --api-url <url> or run `gantry login` first", "no_api_url");
  }
}

/** Sets `@gantry/sdk` (and `@gantry/cli` where present) to the platform's tarballs in package.json. */
export function pointDependenciesAt(dir: string, apiUrl: string, opts: { addSdk: boolean }): { changed: string[] } {
  const path = join(dir, "package.json");
  const pkg = existsSync(path)
    ? (JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>)
    : { name: dir.split("/").pop() || "tasks", version: "0.0.1", private: true, type: "module" };
  const deps = ((pkg.dependencies as Record<string, string> | undefined) ?? {});
  const devDeps = pkg.devDependencies as Record<string, string> | undefined;
  const changed: string[] = [];
  const sdkUrl = `${apiUrl}/packages/gantry-sdk.tgz`;
  if ((opts.addSdk || deps["@gantry/sdk"]) && deps["@gantry/sdk"] !== sdkUrl) {
    deps["@gantry/sdk"] = sdkUrl;
    changed.push("@gantry/sdk");
  }
  const cliUrl = `${apiUrl}/packages/gantry-cli.tgz`;
  for (const group of [deps, devDeps]) {
    if (group?.["@gantry/cli"] && group["@gantry/cli"] !== cliUrl) {
      group["@gantry/cli"] = cliUrl;
      changed.push("@gantry/cli");
    }
  }
  if (changed.length === 0 && !opts.addSdk) {
    if (!deps["@gantry/sdk"] && !devDeps?.["@gantry/sdk"]) throw new CliError(`${path} has no @gantry/sdk dependency: run \`gantry init\``, "no_sdk_dependency");
  }
  pkg.dependencies = deps;
  writeFileSync(path, JSON.stringify(pkg, null, 2) + "\n");
  return { changed };
}

/** `gantry init`: gantry.config.ts, src/trigger/example.ts, and the SDK dependency as the api's tarball. */
export const init: Command = async (ctx) => {
  const { args, out } = ctx;
  const dir = projectDir(ctx);
  const apiUrl = apiUrlFor(ctx);
  const projectRef = args.projectRef;
  if (!projectRef) throw new CliError("Name the project: `gantry init --project-ref proj_…` (see `gantry projects create <name>` or the dashboard)", "bad_args");
  if (!/^proj_[a-z0-9]+$/.test(projectRef)) throw new CliError(`--project-ref must look like proj_abc123 (got "${projectRef}")`, "bad_args");
  const configFile = join(dir, "gantry.config.ts");
  if (existsSync(configFile) && !args.overrideConfig) {
    throw new CliError(`${configFile} already exists: pass --override-config to replace it`, "config_exists");
  }
  writeFileSync(configFile, CONFIG_TEMPLATE(projectRef));
  out.log(`Created ${configFile}`);
  const example = join(dir, "src", "trigger", "example.ts");
  if (!existsSync(example)) {
    mkdirSync(join(dir, "src", "trigger"), { recursive: true });
    writeFileSync(example, EXAMPLE_TASK);
    out.log(`Created ${example}`);
  }
  pointDependenciesAt(dir, apiUrl, { addSdk: true });
  const gitignore = join(dir, ".gitignore");
  const ignored = existsSync(gitignore) ? readFileSync(gitignore, "utf8") : "";
  if (!/^\.gantry\/?$/m.test(ignored)) writeFileSync(gitignore, `${ignored}${ignored && !ignored.endsWith("\n") ? "\n" : ""}.gantry/\n`);
  out.log(`Added @gantry/sdk (${apiUrl}/packages/gantry-sdk.tgz) to package.json: run \`npm install\`, then \`gantry dev\``);
};

/** `gantry update`: rewrites the SDK (and CLI) dependency to the platform's current tarball URL. */
export const update: Command = async (ctx) => {
  const dir = projectDir(ctx);
  const apiUrl = ctx.args.apiUrl || ctx.io.env.GANTRY_API_URL ? apiUrlFor(ctx) : credentials(ctx).apiUrl;
  const { changed } = pointDependenciesAt(dir, apiUrl, { addSdk: false });
  if (changed.length === 0) ctx.out.log(`Already pointing at ${apiUrl}/packages: run \`npm install\` to fetch the newest tarball`);
  else ctx.out.log(`Updated ${changed.join(", ")} to ${apiUrl}/packages: run \`npm install\``);
};
