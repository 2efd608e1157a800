// The api process `npm start` supervises: the api, plus on its port the GitHub App's webhook endpoint
// (POST /api/github/webhooks) when an App is configured, or GitHub's manifest flow (/github/setup) when none is.
// It lives in scripts/ because nothing inside api/ may import github-app (DESIGN.md's dependency edges).
import { loadConfig } from "../api/src/config.js";
import { startApi } from "../api/src/index.js";
import {
  createManifestSetupHandler,
  GantryClient,
  loadGitHubAppConfig,
  SETUP_PATH,
  startGitHubApp,
  WEBHOOK_PATH,
  type GitHubAppHandle,
} from "../github-app/src/index.js";

async function main() {
  const config = loadConfig();
  const env = process.env;
  const localApi = `http://127.0.0.1:${config.PORT}`;
  const serviceToken = env.GANTRY_GITHUB_SERVICE_TOKEN;
  let github: GitHubAppHandle | undefined;

  const api = await startApi(config, {
    mount(app) {
      app.post(WEBHOOK_PATH, async (c): Promise<Response> => {
        if (github) return github.handler(c.req.raw);
        return c.json({ error: `No GitHub App is configured: create one at ${config.publicUrl}${SETUP_PATH} or set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET`, code: "not_found" }, 404);
      });
      if (!env.APP_ID && serviceToken) {
        const githubWebUrl = env.GHE_HOST ? `${env.GHE_PROTOCOL ?? "https"}://${env.GHE_HOST}` : "https://github.com";
        const githubApiUrl = env.GHE_HOST ? `${githubWebUrl}/api/v3` : "https://api.github.com";
        const setup = createManifestSetupHandler({ publicUrl: config.publicUrl, githubWebUrl, githubApiUrl, gantry: new GantryClient({ apiUrl: localApi, token: serviceToken }) });
        app.get(`${SETUP_PATH}/*`, async (c) => (await setup(c.req.raw)) ?? c.notFound());
        app.get(SETUP_PATH, async (c) => (await setup(c.req.raw)) ?? c.notFound());
      }
    },
  });
  console.log(`gantry api listening on ${api.url} (public URL ${api.deps.config.publicUrl})`);

  if (env.APP_ID && serviceToken) {
    github = await startGitHubApp(loadGitHubAppConfig({ ...env, GANTRY_API_URL: localApi, GANTRY_GITHUB_SERVICE_TOKEN: serviceToken }));
    console.log(`GitHub App ${env.APP_ID} receiving webhooks at ${config.publicUrl}${WEBHOOK_PATH}${env.GHE_HOST ? ` (GitHub at ${env.GHE_HOST})` : ""}`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    await github?.close().catch(() => {});
    await api.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(`gantry api: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
