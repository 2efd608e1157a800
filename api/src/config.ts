import { z } from "zod";
import { ConfigError } from "./errors.js";

const Env = z.object({
  DATABASE_URL: z.string().url().default("postgres://postgres@127.0.0.1:5432/gantry"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3030),
  HOST: z.string().default("127.0.0.1"),
  /** Public base URL of this api (links, dashboard, artifact and package URLs). */
  GANTRY_PUBLIC_URL: z.string().url().optional(),
  /** 32 bytes, hex or base64: encrypts secret keys and env var values at rest, signs run tokens. */
  GANTRY_ENCRYPTION_KEY: z.string().min(32),
  /** Prefix for every Redis key (BullMQ queues included). Hash-tagged so Redis Cluster keeps a queue on one slot. */
  GANTRY_REDIS_PREFIX: z.string().default("gantry"),
  /** How long a runner may miss heartbeats before its attempts are redriven. */
  GANTRY_HEARTBEAT_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How often the reconciler re-derives Redis state from Postgres. */
  GANTRY_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
  /** Directory holding the npm tarballs the api serves (@gantry/sdk, the gantry CLI). */
  GANTRY_PACKAGES_DIR: z.string().default(".gantry/packages"),
  /** Directory of the built dashboard (web/dist). */
  GANTRY_WEB_DIR: z.string().default("web/dist"),
  /** Largest artifact (bundle) a deploy may upload, in bytes. */
  GANTRY_ARTIFACT_MAX_BYTES: z.coerce.number().int().min(1024).default(100 * 1024 * 1024),
  /** A deployment still building after this long (its CLI or build worker died) becomes TIMED_OUT. */
  GANTRY_DEPLOY_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60 * 60 * 1000),
  GANTRY_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** How often each api instance looks for due schedules (cron ticks fire within this much of their time). */
  GANTRY_SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(100).default(1_000),
  /** Dashboard "Sign in with GitHub": an OAuth app's client id and secret (both, or neither: then only the admin account signs in). */
  GANTRY_GITHUB_OAUTH_CLIENT_ID: z.string().min(1).optional(),
  GANTRY_GITHUB_OAUTH_CLIENT_SECRET: z.string().min(1).optional(),
  /** Where GitHub's OAuth pages live (github.com, a GitHub Enterprise host, or the simulator in tests). */
  GANTRY_GITHUB_OAUTH_URL: z.string().url().default("https://github.com"),
  /** GitHub's REST API for the signed-in user's profile and emails. */
  GANTRY_GITHUB_OAUTH_API_URL: z.string().url().default("https://api.github.com"),
  /** "false" turns this instance's scheduler off (another instance, or none: tests drive it with their own clock). */
  GANTRY_SCHEDULER_ENABLED: z.enum(["true", "false"]).default("true"),
  /** Email alerts: `smtp://[user:pass@]host[:port][?from=alerts@example.com]` (STARTTLS when offered) or `smtps://…`. */
  GANTRY_SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, "expected smtp://host:port or smtps://host:port").optional(),
  /** Slack alert channels must post to a URL starting with one of these (comma-separated). */
  GANTRY_ALERT_SLACK_URL_PREFIXES: z.string().default("https://hooks.slack.com/"),
  /** How often each api instance looks for due alert deliveries. */
  GANTRY_ALERT_POLL_MS: z.coerce.number().int().min(50).default(2_000),
  /** Backoff before an alert's 2nd attempt (doubling each time, at most an hour). */
  GANTRY_ALERT_RETRY_BASE_MS: z.coerce.number().int().min(10).default(10_000),
  /** Attempts per alert delivery before it is FAILED. */
  GANTRY_ALERT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** Most items one batch may hold (the reference's 500; raise it for bigger batches). */
  GANTRY_MAX_BATCH_ITEMS: z.coerce.number().int().min(1).default(500),
  /** Public REST API requests per minute per environment (token bucket; the reference's 1,500). 0 turns limiting off. Environments may override it (environments.api_rate_limit_per_minute). */
  GANTRY_API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1_500),
  /** The bucket's size: how many requests may come at once after a quiet spell (default: half a minute's worth). */
  GANTRY_API_RATE_LIMIT_BURST: z.coerce.number().int().min(1).optional(),
  /** How long presigned packet URLs (large payloads and outputs) stay valid. */
  GANTRY_PACKET_URL_TTL_MS: z.coerce.number().int().min(1000).default(60 * 60 * 1000),
  /** Runs a bulk action processes per chunk (one lease renewal and progress update per chunk). */
  GANTRY_BULK_ACTION_CHUNK_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** "false" turns this instance's bulk-action worker off (another instance processes them). */
  GANTRY_BULK_ACTIONS_WORKER: z.enum(["true", "false"]).default("true"),
});

export type ApiConfig = Readonly<z.infer<typeof Env> & { publicUrl: string; encryptionKey: Buffer }>;

/** Parse the environment once, at the edge. Throws ConfigError naming the variable and the fix. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const fix =
      name === "GANTRY_ENCRYPTION_KEY"
        ? "set it to 32 random bytes, e.g. `openssl rand -hex 32` (npm start creates one in .gantry/secrets.json)"
        : `set ${name} to a valid value`;
    throw new ConfigError(`${name}: ${issue.message}: ${fix}`);
  }
  const encryptionKey = decodeKey(parsed.data.GANTRY_ENCRYPTION_KEY);
  const publicUrl = (parsed.data.GANTRY_PUBLIC_URL ?? `http://localhost:${parsed.data.PORT}`).replace(/\/+$/, "");
  return Object.freeze({ ...parsed.data, publicUrl, encryptionKey });
}

function decodeKey(value: string): Buffer {
  const hex = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "base64");
  if (hex.length !== 32) {
    throw new ConfigError("GANTRY_ENCRYPTION_KEY must be 32 bytes (64 hex characters or base64): e.g. `openssl rand -hex 32`");
  }
  return hex;
}
