import { createAppAuth } from "@octokit/auth-app";
import { request } from "@octokit/request";

/**
 * Installation access tokens for the GitHub App, cached by @octokit/auth-app until shortly before they expire.
 */
export function createInstallationTokens(opts: { appId: number; privateKey: string; githubApiUrl: string }): (installationId: number) => Promise<string> {
  const auth = createAppAuth({
    appId: opts.appId,
    privateKey: opts.privateKey,
    request: request.defaults({ baseUrl: opts.githubApiUrl }),
  });
  return async (installationId) => {
    const result = await auth({ type: "installation", installationId });
    return result.token;
  };
}
