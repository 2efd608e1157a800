import { BuildClaimResponse, GitHubBuild, type BuildStatusBody } from "@gantry/sdk/contracts";

/** The build worker's calls to the api (/api/v1/github/builds/*), with the GitHub service token. */
export class BuildApi {
  constructor(private readonly opts: { apiUrl: string; token: string; fetch?: typeof fetch }) {}

  private async post(path: string, body?: unknown): Promise<unknown> {
    const response = await (this.opts.fetch ?? fetch)(`${this.opts.apiUrl.replace(/\/+$/, "")}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.opts.token}`, "content-type": "application/json" },
      body: JSON.stringify(body ?? {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** `staleAfterMs`: a build of the same branch silent that long lost its worker (this worker's timeout + margin). */
  async claim(buildId: string, staleAfterMs: number): Promise<BuildClaimResponse> {
    return BuildClaimResponse.parse(await this.post(`/api/v1/github/builds/${encodeURIComponent(buildId)}/claim`, { staleAfterMs }));
  }

  async status(buildId: string, body: BuildStatusBody): Promise<GitHubBuild> {
    return GitHubBuild.parse(await this.post(`/api/v1/github/builds/${encodeURIComponent(buildId)}/status`, body));
  }
}
