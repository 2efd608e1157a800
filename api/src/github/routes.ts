import { Hono } from "hono";
import {
  BuildGitHubRefsBody,
  BuildStatusBody,
  ClaimBuildBody,
  ClaimDeliveryBody,
  ConnectRepoBody,
  GitHubAppCredentials,
  InstallationRepositoriesBody,
  PullRequestEventBody,
  PushEventBody,
  RedeployBody,
  RedeployCommitBody,
  UpsertInstallationBody,
} from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { requireAuth } from "../auth/middleware.js";
import { badRequest, unauthorized } from "../errors.js";
import { readJson } from "../http/read-json.js";
import { requireAppCredentials, storeAppCredentials } from "./app-credentials.js";
import { claimGitHubBuild, getBuild, getBuildLogs, getBuildLogsForMember, recordGitHubRefs, reportBuildStatus } from "./builds.js";
import { connectRepository, getProjectConnection } from "./connect.js";
import { claimDelivery, releaseDelivery } from "./deliveries.js";
import { authorizeCheckRun, handlePullRequest, promoteCheckRun, handlePush, redeployCheckRun, redeployCommit, sweepTargets } from "./events.js";
import { changeInstallationRepositories, deleteInstallation, recordInstallation } from "./installations.js";
import { runReports } from "./run-reports.js";
import { requireGitHubService } from "./service-token.js";

function intParam(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw badRequest(`${name} must be an integer`, name);
  return n;
}

/**
 * The GitHub integration's api: the github-app and the build worker (GitHub service token) and project admins
 * (personal access token) connecting repositories. Mounted by createApp.
 */
export function githubRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const service = requireGitHubService();
  const user = requireAuth(["user"]);
  const userId = (c: { get(key: "auth"): AppEnv["Variables"]["auth"] }) => {
    const auth = c.get("auth");
    if (auth.kind !== "user") throw unauthorized();
    return auth.userId;
  };

  app.post("/api/v1/github/connections", user, async (c) => {
    const body = await readJson(c, ConnectRepoBody);
    return c.json(await connectRepository(c.get("deps"), userId(c), body), 201);
  });
  app.get("/api/v1/projects/:ref/github/builds/:id/logs", user, async (c) =>
    c.text(await getBuildLogsForMember(c.get("deps"), userId(c), c.req.param("ref"), c.req.param("id"))),
  );
  app.get("/api/v1/projects/:ref/github", user, async (c) => c.json(await getProjectConnection(c.get("deps"), userId(c), c.req.param("ref"))));

  app.post("/api/v1/github/app-credentials", service, async (c) => {
    await storeAppCredentials(c.get("deps"), await readJson(c, GitHubAppCredentials));
    return c.body(null, 204);
  });
  app.get("/api/v1/github/app-credentials", service, async (c) => c.json(await requireAppCredentials(c.get("deps"))));

  app.post("/api/v1/github/deliveries", service, async (c) => c.json(await claimDelivery(c.get("deps"), await readJson(c, ClaimDeliveryBody))));
  app.delete("/api/v1/github/deliveries/:id", service, async (c) => {
    await releaseDelivery(c.get("deps"), c.req.param("id"));
    return c.body(null, 204);
  });

  app.post("/api/v1/github/installations", service, async (c) => {
    await recordInstallation(c.get("deps"), await readJson(c, UpsertInstallationBody));
    return c.body(null, 204);
  });
  app.post("/api/v1/github/installations/:id/repositories", service, async (c) => {
    await changeInstallationRepositories(c.get("deps"), intParam(c.req.param("id"), "id"), await readJson(c, InstallationRepositoriesBody));
    return c.body(null, 204);
  });
  app.delete("/api/v1/github/installations/:id", service, async (c) => {
    await deleteInstallation(c.get("deps"), intParam(c.req.param("id"), "id"));
    return c.body(null, 204);
  });

  app.post("/api/v1/github/events/push", service, async (c) => c.json(await handlePush(c.get("deps"), await readJson(c, PushEventBody))));
  app.post("/api/v1/github/events/pull-request", service, async (c) =>
    c.json(await handlePullRequest(c.get("deps"), await readJson(c, PullRequestEventBody))),
  );
  app.post("/api/v1/github/check-runs/:id/redeploy", service, async (c) =>
    c.json(await redeployCheckRun(c.get("deps"), intParam(c.req.param("id"), "id"), await readJson(c, RedeployBody))),
  );

  app.get("/api/v1/github/run-reports", service, async (c) => {
    const since = new Date(c.req.query("since") ?? 0);
    if (Number.isNaN(since.getTime())) throw badRequest("since must be an ISO date", "since");
    return c.json(await runReports(c.get("deps"), since));
  });
  app.get("/api/v1/github/sweep-targets", service, async (c) => c.json(await sweepTargets(c.get("deps"))));
  app.post("/api/v1/github/commits/redeploy", service, async (c) => c.json(await redeployCommit(c.get("deps"), await readJson(c, RedeployCommitBody))));
  app.post("/api/v1/github/check-runs/:id/promote", service, async (c) =>
    c.json(await promoteCheckRun(c.get("deps"), intParam(c.req.param("id"), "id"), await readJson(c, RedeployBody))),
  );
  app.post("/api/v1/github/check-runs/:id/authorize", service, async (c) =>
    c.json(await authorizeCheckRun(c.get("deps"), intParam(c.req.param("id"), "id"), await readJson(c, RedeployBody))),
  );

  app.get("/api/v1/github/builds/:id", service, async (c) => c.json(await getBuild(c.get("deps"), c.req.param("id"))));
  app.get("/api/v1/github/builds/:id/logs", service, async (c) => c.text(await getBuildLogs(c.get("deps"), c.req.param("id"))));
  app.post("/api/v1/github/builds/:id/claim", service, async (c) =>
    c.json(await claimGitHubBuild(c.get("deps"), c.req.param("id"), await readJson(c, ClaimBuildBody))),
  );
  app.post("/api/v1/github/builds/:id/status", service, async (c) =>
    c.json(await reportBuildStatus(c.get("deps"), c.req.param("id"), await readJson(c, BuildStatusBody))),
  );
  app.post("/api/v1/github/builds/:id/github", service, async (c) => {
    await recordGitHubRefs(c.get("deps"), c.req.param("id"), await readJson(c, BuildGitHubRefsBody));
    return c.body(null, 204);
  });
  return app;
}
