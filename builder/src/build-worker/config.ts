import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { CliError } from "../errors.js";

/** The build worker's configuration, parsed once at the edge (Probot's variables for the GitHub App). */
const Env = z.object({
  GANTRY_API_URL: z.string().url().default("http://127.0.0.1:3030"),
  GANTRY_GITHUB_SERVICE_TOKEN: z.string().startsWith("gs_github_"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  GANTRY_REDIS_PREFIX: z.string().default("gantry"),
  APP_ID: z.coerce.number().int().positive(),
  PRIVATE_KEY: z.string().optional(),
  PRIVATE_KEY_PATH: z.string().optional(),
  GHE_HOST: z.string().optional(),
  GHE_PROTOCOL: z.enum(["http", "https"]).default("https"),
  /** where commits are unpacked and built (one folder per build, removed after) */
  GANTRY_BUILD_DIR: z.string().default(join(tmpdir(), "gantry-builds")),
  GANTRY_BUILD_TIMEOUT_MS: z.coerce.number().int().min(1000).default(15 * 60_000),
  GANTRY_BUILD_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(1),
  /** the platform's @gantry/sdk package folder; default: the one this worker resolves */
  GANTRY_BUILD_SDK_DIR: z.string().optional(),
});

export type BuildWorkerConfig = Readonly<z.infer<typeof Env> & { privateKey: string; githubApiUrl: string }>;

export function loadBuildWorkerConfig(env: Record<string, string | undefined> = process.env): BuildWorkerConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    throw new CliError(`${name}: ${issue.message}: set ${name} (the build worker uses the GitHub App's APP_ID and PRIVATE_KEY, and the service token npm start issues)`, "invalid_config");
  }
  const c = parsed.data;
  const privateKey = (c.PRIVATE_KEY ?? (c.PRIVATE_KEY_PATH ? readFileSync(c.PRIVATE_KEY_PATH, "utf8") : undefined))?.replace(/\\n/g, "\n");
  if (!privateKey) throw new CliError("PRIVATE_KEY or PRIVATE_KEY_PATH is required: the GitHub App's private key, to download commits", "invalid_config");
  const githubApiUrl = c.GHE_HOST ? `${c.GHE_PROTOCOL}://${c.GHE_HOST}/api/v3` : "https://api.github.com";
  return Object.freeze({ ...c, privateKey, githubApiUrl });
}
