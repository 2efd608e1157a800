import { z } from "zod";
import { CreatePublicTokenResponse, flattenScopes, type PublicTokenScopes } from "./contracts/index.js";
import { apiClient, configure, configuredOptions, type ClientConfig, type RequestOptions } from "./client/config.js";
import { signJwt } from "./client/jwt.js";
import { currentExecution } from "./runtime/current.js";

/** A time span ("15m", "1hr", "24hr", "2d"), a Unix timestamp in seconds, or a Date. */
export type ExpirationTime = string | number | Date;

export interface CreatePublicTokenOptions {
  /** what the token may read or do; nothing by default */
  scopes?: PublicTokenScopes | string[];
  /** default 15 minutes */
  expirationTime?: ExpirationTime;
  realtime?: { skipColumns?: string[] };
}

export interface CreateTriggerPublicTokenOptions {
  /** default false: the token triggers once */
  multipleUse?: boolean;
  /** default 15 minutes */
  expirationTime?: ExpirationTime;
}

const ClaimsResponse = z.record(z.string(), z.unknown());
const ADDITIONAL_KEY_RE = /^tr_(dev|stg|prod|preview)_sk_[A-Za-z0-9]{24}$/;

/**
 * A public access token for the frontend: read runs, tags or a batch, trigger tasks, complete waitpoints.
 * With an environment's secret key the SDK signs it itself (after fetching the server's claims), as the
 * official client does; run tokens and additional keys get a token the server signs.
 *
 * @example
 * const token = await auth.createPublicToken({ scopes: { read: { runs: ["run_123"], tags: ["user:42"] } }, expirationTime: "1hr" });
 */
async function createPublicToken(options: CreatePublicTokenOptions = {}, requestOptions?: RequestOptions): Promise<string> {
  return mint(flattenScopes(options.scopes), options.expirationTime, false, options.realtime, requestOptions);
}

/**
 * A token that triggers the given task(s) from a browser: once (unless `multipleUse`), within 15 minutes by default.
 *
 * @example
 * const token = await auth.createTriggerPublicToken("send-email");
 * // in the browser: useTaskTrigger("send-email", { accessToken: token }).submit({ to: "a@b.c" })
 */
async function createTriggerPublicToken(
  task: string | string[],
  options: CreateTriggerPublicTokenOptions = {},
  requestOptions?: RequestOptions,
): Promise<string> {
  const scopes = (Array.isArray(task) ? task : [task]).map((id) => `trigger:tasks:${id}`);
  return mint(scopes, options.expirationTime, !options.multipleUse, undefined, requestOptions);
}

async function mint(
  scopes: string[],
  expirationTime: ExpirationTime | undefined,
  oneTimeUse: boolean,
  realtime: { skipColumns?: string[] } | undefined,
  requestOptions?: RequestOptions,
): Promise<string> {
  const client = apiClient(requestOptions);
  const nowMs = Date.now();
  const exp = expirationSeconds(expirationTime, nowMs);
  if (currentExecution() || ADDITIONAL_KEY_RE.test(client.accessToken)) {
    const { data } = await client.request(CreatePublicTokenResponse, "POST", "/api/v1/auth/public-tokens", {
      body: { scopes, expirationTime: exp, ...(oneTimeUse ? { oneTimeUse } : {}), ...(realtime ? { realtime } : {}) },
    });
    return data.token;
  }
  const { data: claims } = await client.request(ClaimsResponse, "POST", "/api/v1/auth/jwt/claims");
  const payload = { ...claims, scopes, ...(oneTimeUse ? { otu: true } : {}), ...(realtime ? { realtime } : {}) };
  return signJwt(client.accessToken, payload, exp - Math.floor(nowMs / 1000), nowMs);
}

/** Unix seconds of an ExpirationTime (default: 15 minutes from now). */
export function expirationSeconds(value: ExpirationTime | undefined, nowMs = Date.now()): number {
  const now = Math.floor(nowMs / 1000);
  if (value === undefined) return now + 15 * 60;
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  if (typeof value === "number") return Math.floor(value);
  const m = value.trim().match(/^(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?|y|yr|yrs|years?)$/i);
  if (!m) throw new Error(`expirationTime "${value}" is not a time span like "15m", "1hr" or "7d"`);
  const unit = m[2]!.toLowerCase();
  const seconds = unit.startsWith("s") ? 1 : unit.startsWith("mi") || unit === "m" ? 60 : unit.startsWith("h") ? 3600 : unit.startsWith("d") ? 86400 : unit.startsWith("w") ? 604800 : 31557600;
  return now + Math.round(Number(m[1]) * seconds);
}

/**
 * Runs `fn` with another key or token (e.g. a public access token), then restores the previous configuration.
 *
 * @example
 * await auth.withAuth({ accessToken: publicToken }, () => runs.retrieve("run_123"));
 */
async function withAuth<T>(config: ClientConfig & { accessToken?: string }, fn: () => Promise<T>): Promise<T> {
  const previous = configuredOptions();
  const { accessToken, ...rest } = config;
  configure({ ...previous, ...rest, ...(accessToken ? { secretKey: accessToken } : {}) });
  try {
    return await fn();
  } finally {
    configure(previous);
  }
}

/**
 * Public access tokens and client configuration (`auth.configure` is `configure`; `accessToken` is accepted
 * as the reference's name for the key).
 *
 * @example
 * import { auth } from "@gantry/sdk";
 * auth.configure({ accessToken: process.env.GANTRY_SECRET_KEY });
 */
export const auth = {
  createPublicToken,
  createTriggerPublicToken,
  withAuth,
  configure(config: ClientConfig & { accessToken?: string }): void {
    const { accessToken, ...rest } = config;
    configure({ ...rest, ...(accessToken ? { secretKey: accessToken } : {}) });
  },
};
