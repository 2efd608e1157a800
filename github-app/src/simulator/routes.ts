import type { SimPullRequest } from "./payloads.js";
import type { SimCheckRun, SimComment, SimDeployment, SimRepo, SimState } from "./state.js";

/** One REST route the simulator serves. `path` is GitHub's OpenAPI path template, checked against `@octokit/openapi`. */
export interface SimRoute {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  /** "app": needs the app's JWT; "installation": an installation token for the repo's installation */
  auth: "app" | "installation" | "none";
  handle(ctx: RouteContext): Promise<RouteResult> | RouteResult;
}
export interface RouteContext {
  state: SimState;
  params: Record<string, string>;
  query: URLSearchParams;
  body: any;
  /** the installation the caller's token belongs to (installation routes) */
  installationId: number | null;
  baseUrl: string;
  redeliver(deliveryId: number): Promise<void>;
  app?: { id: number; privateKey: string; webhookSecret: string; manifestCode: string };
}
export interface RouteResult {
  status: number;
  body?: unknown;
  raw?: Buffer;
  headers?: Record<string, string>;
}

const now = () => new Date().toISOString();
const notFound = (): RouteResult => ({ status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } });
const unprocessable = (message: string): RouteResult => ({ status: 422, body: { message, documentation_url: "https://docs.github.com/rest" } });

function repoOf(ctx: RouteContext): SimRepo | undefined {
  const repo = ctx.state.repo(ctx.params.owner ?? "", ctx.params.repo ?? "");
  // an installation token only sees its installation's repositories
  if (!repo || repo.installationId !== ctx.installationId) return undefined;
  return repo;
}

function repoJson(repo: SimRepo, baseUrl: string) {
  return {
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private ?? false,
    owner: { login: repo.owner, id: 0, type: "Organization" },
    html_url: `https://github.com/${repo.fullName}`,
    url: `${baseUrl}/repos/${repo.fullName}`,
    default_branch: repo.defaultBranch,
  };
}

function checkRunJson(run: SimCheckRun) {
  const { history: _history, repo: _repo, ...rest } = run;
  return { ...rest, node_id: `CR_${run.id}`, html_url: `https://github.com/${run.repo}/runs/${run.id}`, app: { id: 1, slug: "gantry" } };
}

function deploymentJson(d: SimDeployment) {
  const { statuses: _s, repo: _r, ...rest } = d;
  return { ...rest, node_id: `DE_${d.id}`, url: `/repos/${d.repo}/deployments/${d.id}`, statuses_url: `/repos/${d.repo}/deployments/${d.id}/statuses` };
}

function commentJson(c: SimComment) {
  const { history: _h, repo: _r, user, ...rest } = c;
  return { ...rest, node_id: `IC_${c.id}`, user: { login: user, type: "Bot" }, html_url: `https://github.com/${c.repo}/issues/${c.issue_number}#issuecomment-${c.id}` };
}

function pullJson(repo: SimRepo, p: SimPullRequest) {
  return {
    number: p.number,
    title: p.title,
    state: p.state,
    merged_at: p.merged ? now() : null,
    user: { login: p.user, id: 0 },
    head: { ref: p.headRef, sha: p.headSha, repo: { full_name: `${p.forkOwner ?? repo.owner}/${repo.name}`, fork: p.forkOwner !== undefined } },
    base: { ref: p.baseRef, repo: { full_name: repo.fullName } },
    html_url: `https://github.com/${repo.fullName}/pull/${p.number}`,
  };
}

function page<T>(items: T[], query: URLSearchParams): T[] {
  const perPage = Math.min(Number(query.get("per_page") ?? 30), 100);
  const pageNo = Math.max(Number(query.get("page") ?? 1), 1);
  return items.slice((pageNo - 1) * perPage, pageNo * perPage);
}

export const ROUTES: SimRoute[] = [
  {
    method: "POST",
    path: "/app-manifests/{code}/conversions",
    auth: "none",
    handle(ctx) {
      // the manifest flow's last step: any code the simulator handed out converts to the simulated App
      if (!ctx.app || ctx.params.code !== ctx.app.manifestCode) return notFound();
      return { status: 201, body: { id: ctx.app.id, slug: "gantry-sim", node_id: "A_1", name: "Gantry", html_url: "https://github.com/apps/gantry-sim", pem: ctx.app.privateKey, webhook_secret: ctx.app.webhookSecret, client_id: "Iv1.sim", client_secret: "sim", owner: { login: "gantry" }, events: [], permissions: {} } };
    },
  },
  {
    method: "GET",
    path: "/app",
    auth: "app",
    handle: () => ({ status: 200, body: { id: 1, slug: "gantry", name: "Gantry", owner: { login: "gantry" }, events: [], permissions: {} } }),
  },
  {
    method: "POST",
    path: "/app/installations/{installation_id}/access_tokens",
    auth: "app",
    handle(ctx) {
      const id = Number(ctx.params.installation_id);
      if (!ctx.state.installations.has(id)) return notFound();
      const token = `ghs_sim${ctx.state.id()}${Math.random().toString(36).slice(2)}`;
      const expiresAt = new Date(Date.now() + 60 * 60 * 1000);
      ctx.state.tokens.set(token, { installationId: id, expiresAt });
      return { status: 201, body: { token, expires_at: expiresAt.toISOString(), permissions: { checks: "write", contents: "read", deployments: "write", pull_requests: "write", metadata: "read" }, repository_selection: "selected" } };
    },
  },
  {
    method: "GET",
    path: "/app/hook/deliveries",
    auth: "app",
    handle(ctx) {
      const items = [...ctx.state.deliveries].reverse().map(({ body: _b, ...d }) => ({ ...d, status: d.status_code < 300 ? "OK" : "Failed", duration: 0.01 }));
      return { status: 200, body: page(items, ctx.query) };
    },
  },
  {
    method: "POST",
    path: "/app/hook/deliveries/{delivery_id}/attempts",
    auth: "app",
    async handle(ctx) {
      const id = Number(ctx.params.delivery_id);
      if (!ctx.state.deliveries.some((d) => d.id === id)) return notFound();
      await ctx.redeliver(id);
      return { status: 202, body: {} };
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}",
    auth: "installation",
    handle(ctx) {
      const repo = repoOf(ctx);
      return repo ? { status: 200, body: repoJson(repo, ctx.baseUrl) } : notFound();
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/tarball/{ref}",
    auth: "installation",
    async handle(ctx) {
      const repo = repoOf(ctx);
      if (!repo) return notFound();
      let sha: string;
      try {
        sha = await repo.git.resolve(ctx.params.ref ?? "");
      } catch {
        return notFound();
      }
      const raw = await repo.git.archive(sha, `${repo.owner}-${repo.name}-${sha.slice(0, 7)}`);
      return { status: 200, raw, headers: { "content-type": "application/x-gzip", "content-disposition": `attachment; filename=${repo.owner}-${repo.name}-${sha.slice(0, 7)}.tar.gz` } };
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/pulls",
    auth: "installation",
    handle(ctx) {
      const repo = repoOf(ctx);
      if (!repo) return notFound();
      const state = ctx.query.get("state") ?? "open";
      const pulls = [...repo.pulls.values()].filter((p) => state === "all" || p.state === state);
      return { status: 200, body: page(pulls, ctx.query).map((p) => pullJson(repo, p)) };
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/pulls/{pull_number}",
    auth: "installation",
    handle(ctx) {
      const repo = repoOf(ctx);
      const pr = repo?.pulls.get(Number(ctx.params.pull_number));
      return repo && pr ? { status: 200, body: pullJson(repo, pr) } : notFound();
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/contents/{path}",
    auth: "installation",
    async handle(ctx) {
      const repo = repoOf(ctx);
      if (!repo) return notFound();
      const ref = ctx.query.get("ref") ?? repo.defaultBranch;
      const path = decodeURIComponent(ctx.params.path ?? "");
      const content = await repo.git.readFile(ref, path);
      if (!content) return notFound();
      return { status: 200, body: { type: "file", encoding: "base64", size: content.length, name: path.split("/").pop(), path, content: content.toString("base64"), sha: "0".repeat(40) } };
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/branches/{branch}",
    auth: "installation",
    async handle(ctx) {
      const repo = repoOf(ctx);
      if (!repo) return notFound();
      const sha = await repo.git.resolve(`refs/heads/${ctx.params.branch}`).catch(() => null);
      if (!sha) return notFound();
      return { status: 200, body: { name: ctx.params.branch, commit: { sha, commit: { message: "" } }, protected: false } };
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/check-runs",
    auth: "installation",
    handle(ctx) {
      const repo = repoOf(ctx);
      if (!repo) return notFound();
      if (typeof ctx.body?.name !== "string" || typeof ctx.body?.head_sha !== "string") return unprocessable("name and head_sha are required");
      const run: SimCheckRun = {
        id: ctx.state.id(),
        repo: repo.fullName,
        name: ctx.body.name,
        head_sha: ctx.body.head_sha,
        status: ctx.body.conclusion ? "completed" : (ctx.body.status ?? "queued"),
        conclusion: ctx.body.conclusion ?? null,
        external_id: ctx.body.external_id ?? null,
        details_url: ctx.body.details_url ?? null,
        output: ctx.body.output ?? null,
        actions: ctx.body.actions ?? [],
        started_at: ctx.body.started_at ?? now(),
        completed_at: ctx.body.completed_at ?? null,
        history: [ctx.body],
      };
      ctx.state.checkRuns.push(run);
      return { status: 201, body: checkRunJson(run) };
    },
  },
  {
    method: "PATCH",
    path: "/repos/{owner}/{repo}/check-runs/{check_run_id}",
    auth: "installation",
    handle(ctx) {
      const repo = repoOf(ctx);
      const run = ctx.state.checkRuns.find((r) => r.id === Number(ctx.params.check_run_id) && r.repo === repo?.fullName);
      if (!repo || !run) return notFound();
      const b = ctx.body ?? {};
      for (const key of ["name", "status", "conclusion", "details_url", "external_id", "output", "actions", "started_at", "completed_at"] as const) {
        if (b[key] !== undefined) (run as any)[key] = b[key];
      }
      if (b.conclusion) run.status = "completed";
      run.history.push(b);
      return { status: 200, body: checkRunJson(run) };
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/commits/{ref}/check-runs",
    auth: "installation",
    handle(ctx) {
      const repo = repoOf(ctx);
      if (!repo) return notFound();
      const runs = ctx.state.checkRuns.filter((r) => r.repo === repo.fullName && r.head_sha === ctx.params.ref && (!ctx.query.get("check_name") || r.name === ctx.query.get("check_name")));
      return { status: 200, body: { total_count: runs.length, check_runs: page(runs, ctx.query).map(checkRunJson) } };
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/deployments",
    auth: "installation",
    handle(ctx) {
      const repo = repoOf(ctx);
      if (!repo) return notFound();
      const b = ctx.body ?? {};
      if (typeof b.ref !== "string") return unprocessable("ref is required");
      const d: SimDeployment = {
        id: ctx.state.id(),
        repo: repo.fullName,
        ref: b.ref,
        sha: /^[0-9a-f]{40}$/.test(b.ref) ? b.ref : b.ref,
        task: b.task ?? "deploy",
        environment: b.environment ?? "production",
        description: b.description ?? null,
        payload: b.payload ?? {},
        transient_environment: b.transient_environment ?? false,
        production_environment: b.production_environment ?? (b.environment ?? "production") === "production",
        statuses: [],
        created_at: now(),
      };
      ctx.state.deployments.push(d);
      return { status: 201, body: deploymentJson(d) };
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
    auth: "installation",
    handle(ctx) {
      const repo = repoOf(ctx);
      const d = ctx.state.deployments.find((x) => x.id === Number(ctx.params.deployment_id) && x.repo === repo?.fullName);
      if (!repo || !d) return notFound();
      const b = ctx.body ?? {};
      const status = {
        id: ctx.state.id(),
        state: b.state,
        environment: b.environment ?? d.environment,
        environment_url: b.environment_url ?? null,
        log_url: b.log_url ?? null,
        description: b.description ?? null,
        auto_inactive: b.auto_inactive ?? null,
        created_at: now(),
      };
      // GitHub marks earlier non-transient deployments of the environment inactive on success unless auto_inactive is false
      if (b.state === "success" && b.auto_inactive !== false) {
        for (const other of ctx.state.deployments) {
          if (other !== d && other.repo === d.repo && other.environment === d.environment && other.statuses.at(-1)?.state === "success") {
            other.statuses.push({ ...status, id: ctx.state.id(), state: "inactive", description: "superseded" });
          }
        }
      }
      d.statuses.push(status);
      return { status: 201, body: { ...status, url: `/repos/${repo.fullName}/deployments/${d.id}/statuses/${status.id}` } };
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
    auth: "installation",
    handle(ctx) {
      const repo = repoOf(ctx);
      const d = ctx.state.deployments.find((x) => x.id === Number(ctx.params.deployment_id) && x.repo === repo?.fullName);
      if (!repo || !d) return notFound();
      return { status: 200, body: page([...d.statuses].reverse(), ctx.query) };
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    auth: "installation",
    handle(ctx) {
      const repo = repoOf(ctx);
      if (!repo) return notFound();
      const items = ctx.state.comments.filter((c) => c.repo === repo.fullName && c.issue_number === Number(ctx.params.issue_number));
      return { status: 200, body: page(items, ctx.query).map(commentJson) };
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    auth: "installation",
    handle(ctx) {
      const repo = repoOf(ctx);
      if (!repo) return notFound();
      if (typeof ctx.body?.body !== "string") return unprocessable("body is required");
      const c: SimComment = { id: ctx.state.id(), repo: repo.fullName, issue_number: Number(ctx.params.issue_number), body: ctx.body.body, user: "gantry[bot]", created_at: now(), updated_at: now(), history: [ctx.body.body] };
      ctx.state.comments.push(c);
      return { status: 201, body: commentJson(c) };
    },
  },
  {
    method: "PATCH",
    path: "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    auth: "installation",
    handle(ctx) {
      const repo = repoOf(ctx);
      const c = ctx.state.comments.find((x) => x.id === Number(ctx.params.comment_id) && x.repo === repo?.fullName);
      if (!repo || !c) return notFound();
      if (typeof ctx.body?.body !== "string") return unprocessable("body is required");
      c.body = ctx.body.body;
      c.updated_at = now();
      c.history.push(c.body);
      return { status: 200, body: commentJson(c) };
    },
  },
];
