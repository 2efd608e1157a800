import { createHmac, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkAppJwt, generateAppKey, publicKeyOf } from "./app-jwt.js";
import { createLocalGitRepo } from "./git-repo.js";
import { checkRunActionPayload, installationPayload, installationRepositoriesPayload, ownerId, pullRequestPayload, pushPayload, type SimPullRequest } from "./payloads.js";
import { ROUTES, type RouteResult, type SimRoute } from "./routes.js";
import { SimState, type SimDelivery, type SimRepo } from "./state.js";

export interface SimulatorOptions {
  appId?: number;
  /** PEM; generated when absent */
  privateKey?: string;
  webhookSecret?: string;
  /** where webhooks are delivered; settable later with `setWebhookUrl` */
  webhookUrl?: string;
  /** validate every request body against GitHub's OpenAPI description and answer 422 when it does not match */
  validateBody?: (method: string, route: string, body: unknown) => string | null;
  port?: number;
}

export interface DeliveryResult {
  id: number;
  guid: string;
  status: number;
  body: string;
}

/**
 * A loopback GitHub: the REST routes the Gantry app uses (see routes.ts) and signed webhook deliveries.
 * Point Probot at it with GHE_HOST=<host:port> GHE_PROTOCOL=http (it serves under /api/v3 too).
 */
export interface GitHubSimulator {
  url: string;
  /** GHE_HOST value */
  host: string;
  appId: number;
  privateKey: string;
  webhookSecret: string;
  state: SimState;
  /** the code GitHub would hand the manifest flow's redirect for this App */
  manifestCode: string;
  setWebhookUrl(url: string): void;
  /** Answer the next `count` API requests with this status (429 / 403 rate limits), `retry-after` seconds. */
  failNext(opts: { status: 403 | 429 | 500; retryAfter?: number; count?: number }): void;
  createRepo(opts: { owner: string; name: string; defaultBranch?: string; private?: boolean }): Promise<SimRepo>;
  install(opts: { account: string; repos: SimRepo[]; sender?: string }): Promise<{ installationId: number; delivery: DeliveryResult }>;
  addRepos(installationId: number, repos: SimRepo[]): Promise<DeliveryResult>;
  push(repo: SimRepo, opts: { branch?: string; files?: Record<string, string | null>; message?: string; pusher?: string }): Promise<{ sha: string; delivery: DeliveryResult }>;
  openPullRequest(repo: SimRepo, opts: { head: string; base?: string; title?: string; user?: string; fork?: string }): Promise<{ pr: SimPullRequest; delivery: DeliveryResult }>;
  /** Commits to the PR's head branch and delivers `pull_request.synchronize` (and the `push`, when `withPush`). */
  pushToPullRequest(repo: SimRepo, number: number, opts: { files?: Record<string, string | null>; message?: string }): Promise<{ sha: string; delivery: DeliveryResult }>;
  closePullRequest(repo: SimRepo, number: number, opts?: { merged?: boolean }): Promise<DeliveryResult>;
  /** `sender` presses a button (`identifier`) on a check run, or "Re-run" (`rerequested`). */
  pressCheckRunButton(repo: SimRepo, checkRunId: number, opts: { sender: string; identifier?: string; rerequest?: boolean }): Promise<DeliveryResult>;
  deliver(event: string, payload: Record<string, unknown>, opts?: { guid?: string; secret?: string; signature?: string }): Promise<DeliveryResult>;
  redeliver(deliveryId: number): Promise<DeliveryResult>;
  close(): Promise<void>;
}

function compile(route: SimRoute): RegExp {
  const pattern = route.path.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === "{" || c === "}" ? c : `\\${c}`)).replace(/\{(\w+)\}/g, (_m, name: string) => (name === "path" ? "(?<path>.+)" : `(?<${name}>[^/]+)`));
  return new RegExp(`^${pattern}$`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function signPayload(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export async function startGitHubSimulator(opts: SimulatorOptions = {}): Promise<GitHubSimulator> {
  const state = new SimState();
  const appId = opts.appId ?? 4242;
  const privateKey = opts.privateKey ?? generateAppKey().privateKeyPem;
  const publicKey = publicKeyOf(privateKey);
  const webhookSecret = opts.webhookSecret ?? `whsec_${randomUUID()}`;
  let webhookUrl = opts.webhookUrl;
  const manifestCode = `sim-manifest-${randomUUID()}`;
  const compiled = ROUTES.map((route) => ({ route, regex: compile(route) }));
  let baseUrl = "";

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname.replace(/^\/api\/v3(?=\/)/, "");
    const method = (req.method ?? "GET").toUpperCase();
    const raw = await readBody(req);
    let body: unknown = undefined;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, { status: 400, body: { message: "Problems parsing JSON" } });
      }
    }
    const match = compiled.map((c) => ({ ...c, m: c.regex.exec(path) })).find((c) => c.m && c.route.method === method);
    if (!match?.m) return send(res, { status: 404, body: { message: "Not Found" } });
    const route = match.route;
    const record = { method, route: route.path, path, body, status: 0 };
    state.requests.push(record);
    const result = await answer(route, { ...(match.m.groups ?? {}) }, url.searchParams, body, req.headers.authorization ?? "");
    record.status = result.status;
    send(res, result);
  }

  async function answer(route: SimRoute, params: Record<string, string>, query: URLSearchParams, body: unknown, authorization: string): Promise<RouteResult> {
    const fault = state.faults.shift();
    if (fault) return { status: fault.status, headers: fault.headers, body: { message: fault.message, documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api" } };
    const token = authorization.replace(/^(token|bearer)\s+/i, "");
    let installationId: number | null = null;
    if (route.auth === "none") {
      // no credentials (the manifest conversion)
    } else if (route.auth === "app") {
      const refused = checkAppJwt(token, publicKey, appId);
      if (refused) return { status: 401, body: { message: refused } };
    } else {
      const entry = state.tokens.get(token);
      if (!entry || entry.expiresAt.getTime() < Date.now()) return { status: 401, body: { message: "Bad credentials" } };
      installationId = entry.installationId;
    }
    if (body !== undefined && opts.validateBody) {
      const problem = opts.validateBody(route.method, route.path, body);
      if (problem) return { status: 422, body: { message: `Invalid request.\n\n${problem}` } };
    }
    return route.handle({ state, params, query, body, installationId, baseUrl, redeliver: async (id) => void (await redeliver(id)), app: { id: appId, privateKey, webhookSecret, manifestCode } });
  }

  function send(res: ServerResponse, result: RouteResult): void {
    const headers: Record<string, string> = { "x-github-media-type": "github.v3", ...(result.headers ?? {}) };
    if (result.raw) {
      res.writeHead(result.status, headers).end(result.raw);
      return;
    }
    headers["content-type"] ??= "application/json; charset=utf-8";
    res.writeHead(result.status, headers).end(result.body === undefined ? "" : JSON.stringify(result.body));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `simulator error: ${(error as Error).message}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  async function post(delivery: SimDelivery, headers: Record<string, string>): Promise<DeliveryResult> {
    if (!webhookUrl) throw new Error("GitHub simulator: no webhook URL: pass webhookUrl or call setWebhookUrl()");
    let status = 0;
    let text = "";
    try {
      const response = await fetch(webhookUrl, { method: "POST", headers, body: delivery.body });
      status = response.status;
      text = await response.text();
    } catch (error) {
      text = String(error);
    }
    delivery.status_code = status;
    return { id: delivery.id, guid: delivery.guid, status, body: text };
  }

  function headersFor(delivery: SimDelivery, signature: string): Record<string, string> {
    return {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/sim",
      "x-github-event": delivery.event,
      "x-github-delivery": delivery.guid,
      "x-github-hook-id": "1",
      "x-github-hook-installation-target-type": "integration",
      "x-github-hook-installation-target-id": String(appId),
      "x-hub-signature-256": signature,
    };
  }

  async function deliver(event: string, payload: Record<string, unknown>, o: { guid?: string; secret?: string; signature?: string } = {}): Promise<DeliveryResult> {
    const body = JSON.stringify(payload);
    const installation = payload.installation as { id?: number } | undefined;
    const repository = payload.repository as { id?: number } | undefined;
    const delivery: SimDelivery = {
      id: state.id(),
      guid: o.guid ?? randomUUID(),
      event,
      action: typeof payload.action === "string" ? payload.action : null,
      installation_id: installation?.id ?? null,
      repository_id: repository?.id ?? null,
      status_code: 0,
      redelivery: false,
      delivered_at: new Date().toISOString(),
      body,
    };
    state.deliveries.push(delivery);
    return post(delivery, headersFor(delivery, o.signature ?? signPayload(o.secret ?? webhookSecret, body)));
  }

  async function redeliver(id: number): Promise<DeliveryResult> {
    const original = state.deliveries.find((d) => d.id === id);
    if (!original) throw new Error(`GitHub simulator: no delivery ${id}`);
    const again: SimDelivery = { ...original, id: state.id(), redelivery: true, delivered_at: new Date().toISOString(), status_code: 0 };
    state.deliveries.push(again);
    return post(again, headersFor(again, signPayload(webhookSecret, again.body)));
  }

  const accountOf = (login: string) => ({ login, id: ownerId(login) });

  const sim: GitHubSimulator = {
    url: baseUrl,
    host: `127.0.0.1:${port}`,
    appId,
    privateKey,
    webhookSecret,
    state,
    manifestCode,
    setWebhookUrl(url) {
      webhookUrl = url;
    },
    failNext({ status, retryAfter = 1, count = 1 }) {
      for (let i = 0; i < count; i++) {
        state.faults.push({
          status,
          headers: status === 500 ? {} : { "retry-after": String(retryAfter), "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + retryAfter) },
          message: status === 403 ? "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." : status === 429 ? "API rate limit exceeded" : "Server Error",
        });
      }
    },
    async createRepo({ owner, name, defaultBranch = "main", private: isPrivate }) {
      const git = await createLocalGitRepo({ defaultBranch });
      const repo: SimRepo = { id: 500_000 + state.id(), owner, name, fullName: `${owner}/${name}`, defaultBranch, private: isPrivate ?? false, git, installationId: 0, pulls: new Map() };
      state.repos.set(repo.fullName.toLowerCase(), repo);
      return repo;
    },
    async install({ account, repos, sender = account }) {
      const installationId = 10_000 + state.id();
      state.installations.set(installationId, { id: installationId, account: accountOf(account), repoIds: new Set(repos.map((r) => r.id)) });
      for (const r of repos) r.installationId = installationId;
      const delivery = await deliver("installation", installationPayload({ action: "created", installationId, account: accountOf(account), repos, sender }));
      return { installationId, delivery };
    },
    async addRepos(installationId, repos) {
      const inst = state.installations.get(installationId);
      if (!inst) throw new Error(`GitHub simulator: no installation ${installationId}`);
      for (const r of repos) {
        r.installationId = installationId;
        inst.repoIds.add(r.id);
      }
      return deliver("installation_repositories", installationRepositoriesPayload({ action: "added", installationId, account: inst.account, added: repos, removed: [], sender: inst.account.login }));
    },
    async push(repo, { branch = repo.defaultBranch, files = {}, message = "Update", pusher = repo.owner }) {
      const before = await repo.git.resolve(branch).catch(() => "0".repeat(40));
      const sha = await repo.git.commit({ branch, files, message });
      const delivery = await deliver("push", pushPayload({ installationId: repo.installationId, repo, ref: `refs/heads/${branch}`, before, after: sha, message, pusher }));
      return { sha, delivery };
    },
    async openPullRequest(repo, { head, base = repo.defaultBranch, title = `Changes from ${head}`, user = repo.owner, fork }) {
      const number = repo.pulls.size + 1;
      const headSha = await repo.git.resolve(head);
      const pr: SimPullRequest = { number, title, headRef: head, headSha, baseRef: base, state: "open", merged: false, user, ...(fork ? { forkOwner: fork } : {}) };
      repo.pulls.set(number, pr);
      const delivery = await deliver("pull_request", pullRequestPayload({ action: "opened", installationId: repo.installationId, repo, pr }));
      return { pr, delivery };
    },
    async pushToPullRequest(repo, number, { files = {}, message = "Update pull request" }) {
      const pr = repo.pulls.get(number);
      if (!pr) throw new Error(`GitHub simulator: no pull request #${number}`);
      const sha = await repo.git.commit({ branch: pr.headRef, files, message });
      pr.headSha = sha;
      const delivery = await deliver("pull_request", pullRequestPayload({ action: "synchronize", installationId: repo.installationId, repo, pr }));
      return { sha, delivery };
    },
    async closePullRequest(repo, number, { merged = false } = {}) {
      const pr = repo.pulls.get(number);
      if (!pr) throw new Error(`GitHub simulator: no pull request #${number}`);
      pr.state = "closed";
      pr.merged = merged;
      return deliver("pull_request", pullRequestPayload({ action: "closed", installationId: repo.installationId, repo, pr }));
    },
    async pressCheckRunButton(repo, checkRunId, { sender, identifier, rerequest }) {
      const run = state.checkRuns.find((r) => r.id === checkRunId);
      if (!run) throw new Error(`GitHub simulator: no check run ${checkRunId}`);
      return deliver("check_run", checkRunActionPayload({ action: rerequest ? "rerequested" : "requested_action", installationId: repo.installationId, repo, checkRun: run, identifier, sender }));
    },
    deliver,
    redeliver,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await Promise.all([...state.repos.values()].map((r) => r.git.remove()));
    },
  };
  return sim;
}
