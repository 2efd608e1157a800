import { currentExecution } from "../runtime/current.js";
import { ApiClient, type RequestRetryOptions } from "./api-client.js";

/** Per-call options, the last argument of every client call. */
export interface RequestOptions {
  /** `{ maxAttempts: 1 }` disables retries */
  retry?: RequestRetryOptions;
}

/** Options of `configure()`. */
export interface ClientConfig {
  /** an environment's secret key (`tr_prod_…`); default GANTRY_SECRET_KEY, then TRIGGER_SECRET_KEY */
  secretKey?: string;
  /** the Gantry api's URL; default GANTRY_API_URL, then TRIGGER_API_URL, then http://localhost:3030 */
  baseURL?: string;
  /** a preview branch (sent as x-trigger-branch); default GANTRY_PREVIEW_BRANCH, then TRIGGER_PREVIEW_BRANCH */
  previewBranch?: string;
  requestOptions?: RequestOptions;
  /** a fetch implementation (tests, proxies) */
  fetch?: typeof fetch;
}

/** The SDK's environment variables, GANTRY_* first, then the reference's TRIGGER_* names. */
export interface SdkEnv {
  secretKey?: string;
  baseURL?: string;
  previewBranch?: string;
  version?: string;
}

/** Gantry is self-hosted: the default is the local api `npm start` runs, never a hosted service. */
export const DEFAULT_API_URL = "http://localhost:3030";

let configured: ClientConfig = {};

/**
 * Sets how the client reaches the API. Call once at startup; later calls replace earlier ones.
 *
 * @example
 * import { configure } from "@gantry/sdk";
 * configure({ secretKey: process.env.MY_KEY, baseURL: "https://gantry.example.com" });
 */
export function configure(options: ClientConfig): void {
  configured = { ...options };
}

/** What `configure()` last set (auth.withAuth restores it afterwards). */
export function configuredOptions(): ClientConfig {
  return { ...configured };
}

/**
 * Reads the SDK's variables from `env` (process.env where it exists: browsers have none).
 *
 * @example
 * readSdkEnv({ TRIGGER_SECRET_KEY: "tr_dev_x" }).secretKey; // "tr_dev_x"
 */
export function readSdkEnv(env: Record<string, string | undefined> = processEnv()): SdkEnv {
  const pick = (gantry: string, trigger: string) => nonEmpty(env[gantry]) ?? nonEmpty(env[trigger]);
  const result: SdkEnv = {};
  const secretKey = pick("GANTRY_SECRET_KEY", "TRIGGER_SECRET_KEY");
  const baseURL = pick("GANTRY_API_URL", "TRIGGER_API_URL");
  const previewBranch = pick("GANTRY_PREVIEW_BRANCH", "TRIGGER_PREVIEW_BRANCH");
  const version = pick("GANTRY_VERSION", "TRIGGER_VERSION");
  if (secretKey) result.secretKey = secretKey;
  if (baseURL) result.baseURL = baseURL;
  if (previewBranch) result.previewBranch = previewBranch;
  if (version) result.version = version;
  return result;
}

/**
 * The client for one call. Inside a task it uses the attempt's api URL and run-scoped token, so
 * `tasks.trigger` creates a child run; elsewhere `configure()` and then the environment.
 */
export function apiClient(requestOptions?: RequestOptions): ApiClient {
  const store = currentExecution();
  const retry = { ...configured.requestOptions?.retry, ...requestOptions?.retry };
  const fetchImpl = configured.fetch ?? globalThis.fetch.bind(globalThis);
  if (store) {
    return new ApiClient({
      baseURL: store.execution.apiUrl,
      accessToken: store.execution.runToken,
      insideTask: true,
      retry,
      fetch: fetchImpl,
    });
  }
  const env = readSdkEnv();
  const secretKey = configured.secretKey ?? env.secretKey;
  if (!secretKey) {
    throw new Error(
      "No secret key: set GANTRY_SECRET_KEY (or TRIGGER_SECRET_KEY) to your environment's key (`tr_dev_…`, printed by `npm start`), or call configure({ secretKey }).",
    );
  }
  const previewBranch = configured.previewBranch ?? env.previewBranch;
  return new ApiClient({
    baseURL: configured.baseURL ?? env.baseURL ?? DEFAULT_API_URL,
    accessToken: secretKey,
    ...(previewBranch ? { previewBranch } : {}),
    insideTask: false,
    retry,
    fetch: fetchImpl,
  });
}

/** The version to lock triggers to (GANTRY_VERSION / TRIGGER_VERSION), used by atomic deploys. */
export function envLockVersion(): string | undefined {
  return readSdkEnv().version;
}

function processEnv(): Record<string, string | undefined> {
  return typeof process !== "undefined" && process.env ? process.env : {};
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.length > 0 ? value : undefined;
}
