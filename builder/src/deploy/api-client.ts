import { ApiErrorBody } from "@gantry/sdk/contracts";
import type { z } from "zod";
import { ApiRequestError, CliError } from "../errors.js";

export interface ApiClientOptions {
  apiUrl: string;
  /** A personal access token (tr_pat_…) or a secret key. */
  token: string;
  /** x-trigger-branch, for preview keys. */
  branch?: string;
  fetch?: typeof fetch;
}

/** A small JSON client for the api, parsing answers with the contract schemas and errors into ApiRequestError. */
export class ApiClient {
  readonly apiUrl: string;
  constructor(private readonly opts: ApiClientOptions) {
    this.apiUrl = opts.apiUrl.replace(/\/+$/, "");
  }

  withToken(token: string): ApiClient {
    return new ApiClient({ ...this.opts, token });
  }

  /** The same client, sending `x-trigger-branch: <branch>` (a preview branch's environment). */
  withBranch(branch: string): ApiClient {
    return new ApiClient({ ...this.opts, branch });
  }

  async json<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown, signal?: AbortSignal): Promise<z.infer<S>> {
    const response = await this.raw(method, path, body === undefined ? undefined : JSON.stringify(body), "application/json", signal);
    const text = await response.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliError(`${method} ${this.apiUrl}${path} answered ${response.status} with a non-JSON body: is ${this.apiUrl} a Gantry api? Check --api-url`, "bad_response");
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw new CliError(`${method} ${path} answered with an unexpected body (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}): the api and this CLI may be different versions; run \`gantry update\``, "bad_response");
    }
    return parsed.data;
  }

  /** Sends a request and throws ApiRequestError for a non-2xx answer. */
  async raw(method: string, path: string, body?: string | Uint8Array, contentType?: string, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.token}`, accept: "application/json" };
    if (contentType) headers["content-type"] = contentType;
    if (this.opts.branch) headers["x-trigger-branch"] = this.opts.branch;
    let response: Response;
    try {
      response = await (this.opts.fetch ?? fetch)(`${this.apiUrl}${path}`, { method, headers, body: body as BodyInit | undefined, signal });
    } catch (error) {
      throw new CliError(`Could not reach the api at ${this.apiUrl} (${(error as Error).cause ?? (error as Error).message}): start it (\`npm start\`) or pass the right --api-url`, "api_unreachable", { cause: error });
    }
    if (response.ok) return response;
    const text = await response.text();
    let parsed: ApiErrorBody | undefined;
    try {
      const body = ApiErrorBody.safeParse(JSON.parse(text));
      if (body.success) parsed = body.data;
    } catch {
      // not JSON: reported below with the status
    }
    if (response.status === 401 && !parsed) {
      throw new ApiRequestError(`The api at ${this.apiUrl} rejected the token: run \`gantry login\` again or set GANTRY_ACCESS_TOKEN`, 401, "unauthorized");
    }
    const message = parsed?.error ?? `${method} ${path} failed with HTTP ${response.status}${text ? `: ${text.slice(0, 300)}` : ""}`;
    throw new ApiRequestError(message, response.status, String(parsed?.code ?? "http_error"), parsed?.param);
  }
}
