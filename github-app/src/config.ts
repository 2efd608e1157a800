import { readFileSync } from "node:fs";
import { z } from "zod";

/**
 * The github-app's configuration: Probot's own variables for the GitHub side, Gantry's for the api side.
 * Parsed once at the edge; everything below receives the frozen object.
 */
const Env = z.object({
  APP_ID: z.coerce.number().int().positive(),
  PRIVATE_KEY: z.string().optional(),
  PRIVATE_KEY_PATH: z.string().optional(),
  WEBHOOK_SECRET: z.string().min(1),
  /** a GitHub Enterprise host (or the simulator's host:port) */
  GHE_HOST: z.string().optional(),
  GHE_PROTOCOL: z.enum(["http", "https"]).default("https"),
  GANTRY_API_URL: z.string().url().default("http://127.0.0.1:3030"),
  /** gs_github_…: the launcher issues it (api/src/github/service-token.ts) */
  GANTRY_GITHUB_SERVICE_TOKEN: z.string().startsWith("gs_github_"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  GANTRY_REDIS_PREFIX: z.string().default("gantry"),
  /** how often failed deliveries are replayed (0: only at start) */
  GANTRY_GITHUB_REPLAY_INTERVAL_MS: z.coerce.number().int().min(0).default(5 * 60_000),
  /** how often runs on versions built from commits are summarised in each commit's "Gantry runs" check run (0: off) */
  GANTRY_GITHUB_RUNS_REPORT_INTERVAL_MS: z.coerce.number().int().min(0).default(10_000),
  /** spacing of GitHub writes (check runs, statuses, comments): GitHub asks for ~1 s; lower only for the simulator or a GHES that allows it */
  GANTRY_GITHUB_WRITE_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).default("info"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
});

export type GitHubAppConfig = Readonly<z.infer<typeof Env> & { privateKey: string; githubApiUrl: string }>;

export class GitHubAppConfigError extends Error {
  override name = "GitHubAppConfigError";
}

export function loadGitHubAppConfig(env: Record<string, string | undefined> = process.env): GitHubAppConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const fixes: Record<string, string> = {
      APP_ID: "set APP_ID to your GitHub App's id (Settings → Developer settings → GitHub Apps)",
      WEBHOOK_SECRET: "set WEBHOOK_SECRET to the App's webhook secret",
      GANTRY_GITHUB_SERVICE_TOKEN: "npm start passes it; to run the app alone, issue one with the api's issueGitHubServiceToken",
    };
    throw new GitHubAppConfigError(`${name}: ${issue.message}: ${fixes[name] ?? `set ${name} to a valid value`}`);
  }
  const c = parsed.data;
  let privateKey = c.PRIVATE_KEY;
  if (!privateKey && c.PRIVATE_KEY_PATH) {
    try {
      privateKey = readFileSync(c.PRIVATE_KEY_PATH, "utf8");
    } catch (error) {
      throw new GitHubAppConfigError(`PRIVATE_KEY_PATH ${c.PRIVATE_KEY_PATH} cannot be read (${(error as Error).message}): point it at the App's .pem file`);
    }
  }
  if (!privateKey) throw new GitHubAppConfigError("PRIVATE_KEY or PRIVATE_KEY_PATH: one is required: the App's private key (.pem) from its settings page");
  // keys pasted into one-line env vars carry literal \n
  privateKey = privateKey.replace(/\\n/g, "\n");
  const githubApiUrl = c.GHE_HOST ? `${c.GHE_PROTOCOL}://${c.GHE_HOST}/api/v3` : "https://api.github.com";
  return Object.freeze({ ...c, privateKey, githubApiUrl });
}
