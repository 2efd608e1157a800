import { apiClient, configuredOptions, readSdkEnv, DEFAULT_API_URL, type RequestOptions } from "../client/config.js";
import { SDK_VERSION } from "../version.js";

/** Where and as whom to connect: defaults to `configure()` / the environment; hooks pass a public token. */
export interface RealtimeConnection {
  /** a secret key or public access token */
  accessToken?: string;
  baseURL?: string;
  fetch?: typeof fetch;
}

/** @internal the URL and headers of a realtime request */
export function realtimeRequest(path: string, conn: RealtimeConnection, requestOptions?: RequestOptions) {
  let baseURL = conn.baseURL;
  let accessToken = conn.accessToken;
  let fetchImpl = conn.fetch;
  if (!accessToken || !baseURL || !fetchImpl) {
    if (accessToken) {
      baseURL ??= configuredOptions().baseURL ?? readSdkEnv().baseURL ?? DEFAULT_API_URL;
    } else {
      const client = apiClient(requestOptions);
      accessToken = client.accessToken;
      baseURL ??= client.baseURL;
      fetchImpl ??= client.options.fetch;
    }
  }
  fetchImpl ??= globalThis.fetch.bind(globalThis);
  const headers: Record<string, string> = {
    authorization: `Bearer ${accessToken}`,
    "trigger-version": SDK_VERSION,
    "x-trigger-source": "sdk",
  };
  return { url: `${baseURL!.replace(/\/+$/, "")}${path}`, headers, fetch: fetchImpl };
}
