import type { z } from "zod";
import {
  ClaimDeliveryResponse,
  GitHubBuild,
  GitHubEventResult,
  SweepTargetsResponse,
  RunReportsResponse,
  GitHubAppCredentials,
  type BuildGitHubRefsBody,
  type PullRequestEventBody,
  type PushEventBody,
  type UpsertInstallationBody,
  type InstallationRepositoriesBody,
  type RedeployBody,
  type RedeployCommitBody,
} from "@gantry/sdk/contracts";

export class GantryApiError extends Error {
  override name = "GantryApiError";
  constructor(message: string, readonly status: number, readonly code?: string) {
    super(message);
  }
}

/** The github-app's view of Gantry: the api's /api/v1/github/* routes, with the GitHub service token. */
export class GantryClient {
  constructor(private readonly opts: { apiUrl: string; token: string; fetch?: typeof fetch }) {}

  private async call<S extends z.ZodType>(method: string, path: string, schema: S | null, body?: unknown): Promise<z.infer<S>> {
    const url = `${this.opts.apiUrl.replace(/\/+$/, "")}${path}`;
    let response: Response;
    try {
      response = await (this.opts.fetch ?? fetch)(url, {
        method,
        headers: { authorization: `Bearer ${this.opts.token}`, "content-type": "application/json", accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new GantryApiError(`Gantry api at ${this.opts.apiUrl} unreachable (${(error as Error).message}): start it or set GANTRY_API_URL`, 0);
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      let code: string | undefined;
      try {
        const parsed = JSON.parse(text) as { error?: string; code?: string };
        message = parsed.error ?? text;
        code = parsed.code;
      } catch {
        // not JSON
      }
      throw new GantryApiError(`${method} ${path}: ${response.status} ${message}`, response.status, code);
    }
    if (!schema) return undefined as z.infer<S>;
    return schema.parse(text ? JSON.parse(text) : undefined);
  }

  claimDelivery(deliveryId: string, event: string, action?: string) {
    return this.call("POST", "/api/v1/github/deliveries", ClaimDeliveryResponse, { deliveryId, event, action });
  }
  releaseDelivery(deliveryId: string) {
    return this.call("DELETE", `/api/v1/github/deliveries/${encodeURIComponent(deliveryId)}`, null);
  }
  recordInstallation(body: z.input<typeof UpsertInstallationBody>) {
    return this.call("POST", "/api/v1/github/installations", null, body);
  }
  changeRepositories(installationId: number, body: z.input<typeof InstallationRepositoriesBody>) {
    return this.call("POST", `/api/v1/github/installations/${installationId}/repositories`, null, body);
  }
  deleteInstallation(installationId: number) {
    return this.call("DELETE", `/api/v1/github/installations/${installationId}`, null);
  }
  push(body: z.input<typeof PushEventBody>) {
    return this.call("POST", "/api/v1/github/events/push", GitHubEventResult, body);
  }
  pullRequest(body: z.input<typeof PullRequestEventBody>) {
    return this.call("POST", "/api/v1/github/events/pull-request", GitHubEventResult, body);
  }
  redeploy(checkRunId: number, body: z.input<typeof RedeployBody>) {
    return this.call("POST", `/api/v1/github/check-runs/${checkRunId}/redeploy`, GitHubEventResult, body);
  }
  storeAppCredentials(body: z.input<typeof GitHubAppCredentials>) {
    return this.call("POST", "/api/v1/github/app-credentials", null, body);
  }
  appCredentials() {
    return this.call("GET", "/api/v1/github/app-credentials", GitHubAppCredentials);
  }
  runReports(since: Date) {
    return this.call("GET", `/api/v1/github/run-reports?since=${encodeURIComponent(since.toISOString())}`, RunReportsResponse);
  }
  sweepTargets() {
    return this.call("GET", "/api/v1/github/sweep-targets", SweepTargetsResponse);
  }
  redeployCommit(body: z.input<typeof RedeployCommitBody>) {
    return this.call("POST", "/api/v1/github/commits/redeploy", GitHubEventResult, body);
  }
  promote(checkRunId: number, body: z.input<typeof RedeployBody>) {
    return this.call("POST", `/api/v1/github/check-runs/${checkRunId}/promote`, null, body);
  }
  authorize(checkRunId: number, body: z.input<typeof RedeployBody>) {
    return this.call("POST", `/api/v1/github/check-runs/${checkRunId}/authorize`, GitHubEventResult, body);
  }
  build(buildId: string) {
    return this.call("GET", `/api/v1/github/builds/${encodeURIComponent(buildId)}`, GitHubBuild);
  }
  recordGitHubRefs(buildId: string, body: z.input<typeof BuildGitHubRefsBody>) {
    return this.call("POST", `/api/v1/github/builds/${encodeURIComponent(buildId)}/github`, null, body);
  }
}
