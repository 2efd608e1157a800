import { serve } from "@hono/node-server";
import { loadGitHubAppConfig } from "./config.js";
import { startGitHubApp } from "./index.js";

// The github-app alone: `tsx github-app/src/main.ts` (npm start mounts it on the api's port instead).
const config = loadGitHubAppConfig();
const app = await startGitHubApp(config);
const server = serve({
  port: config.PORT,
  fetch: (request) => {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === app.path) return app.handler(request);
    return new Response("Not Found", { status: 404 });
  },
});
console.log(`gantry github-app listening on :${config.PORT}${app.path} (GitHub API ${config.githubApiUrl})`);
const stop = async () => {
  server.close();
  await app.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
