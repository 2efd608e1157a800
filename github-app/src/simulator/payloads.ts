import { createRequire } from "node:module";

/**
 * Webhook payloads built from GitHub's own examples (`@octokit/webhooks-examples`), with the fields the
 * simulator's state decides (ids, names, shas, branches) written over them. Everything else stays as GitHub
 * sends it, so the app meets realistic payloads.
 */
type Json = Record<string, any>;
interface ExampleDefinition {
  name: string;
  examples: Json[];
}

const require = createRequire(import.meta.url);
const definitions = require("@octokit/webhooks-examples") as ExampleDefinition[];

function example(event: string, action?: string): Json {
  const def = definitions.find((d) => d.name === event);
  const found = def?.examples.find((e) => action === undefined || e.action === action);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event}${action ? `.${action}` : ""} example`);
  return structuredClone(found);
}

export interface SimRepoRef {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  private?: boolean;
}
export interface SimAccount {
  login: string;
  id: number;
}

function repository(base: Json, repo: SimRepoRef): Json {
  const fullName = `${repo.owner}/${repo.name}`;
  return {
    ...base,
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: fullName,
    private: repo.private ?? false,
    owner: { ...(base.owner ?? {}), login: repo.owner, id: ownerId(repo.owner) },
    html_url: `https://github.com/${fullName}`,
    default_branch: repo.defaultBranch,
    master_branch: repo.defaultBranch,
    fork: false,
  };
}

/** Stable numeric id for a login (GitHub ids are numbers; the simulator derives them from names). */
export function ownerId(login: string): number {
  let h = 7;
  for (const ch of login) h = (h * 31 + ch.charCodeAt(0)) % 1_000_000_007;
  return 1000 + (h % 9_000_000);
}

function sender(login: string): Json {
  const base = example("push").sender as Json;
  return { ...base, login, id: ownerId(login) };
}

export function installationPayload(opts: { action: "created" | "deleted" | "suspend" | "unsuspend"; installationId: number; account: SimAccount; repos: SimRepoRef[]; sender: string }): Json {
  const p = example("installation", opts.action === "created" || opts.action === "deleted" ? opts.action : "created");
  p.action = opts.action;
  p.installation = { ...p.installation, id: opts.installationId, account: { ...p.installation.account, login: opts.account.login, id: opts.account.id } };
  p.repositories = opts.repos.map((r) => ({ id: r.id, node_id: `R_${r.id}`, name: r.name, full_name: `${r.owner}/${r.name}`, private: r.private ?? false }));
  p.sender = sender(opts.sender);
  return p;
}

export function installationRepositoriesPayload(opts: { action: "added" | "removed"; installationId: number; account: SimAccount; added: SimRepoRef[]; removed: SimRepoRef[]; sender: string }): Json {
  const p = example("installation_repositories", opts.action);
  const short = (r: SimRepoRef) => ({ id: r.id, node_id: `R_${r.id}`, name: r.name, full_name: `${r.owner}/${r.name}`, private: r.private ?? false });
  p.installation = { ...p.installation, id: opts.installationId, account: { ...p.installation.account, login: opts.account.login, id: opts.account.id } };
  p.repositories_added = opts.added.map(short);
  p.repositories_removed = opts.removed.map(short);
  p.sender = sender(opts.sender);
  return p;
}

export function pushPayload(opts: { installationId: number; repo: SimRepoRef; ref: string; before: string; after: string; message: string; pusher: string; deleted?: boolean }): Json {
  const p = example("push");
  const fullName = `${opts.repo.owner}/${opts.repo.name}`;
  const commit = {
    ...p.head_commit,
    id: opts.after,
    tree_id: opts.after,
    message: opts.message,
    url: `https://github.com/${fullName}/commit/${opts.after}`,
    author: { name: opts.pusher, email: `${opts.pusher}@example.com`, username: opts.pusher },
    committer: { name: opts.pusher, email: `${opts.pusher}@example.com`, username: opts.pusher },
  };
  p.ref = opts.ref;
  p.before = opts.before;
  p.after = opts.after;
  p.created = /^0+$/.test(opts.before);
  p.deleted = opts.deleted ?? false;
  p.base_ref = null;
  p.commits = opts.deleted ? [] : [commit];
  p.head_commit = opts.deleted ? null : commit;
  p.compare = `https://github.com/${fullName}/compare/${opts.before.slice(0, 12)}...${opts.after.slice(0, 12)}`;
  p.repository = repository(p.repository, opts.repo);
  p.pusher = { name: opts.pusher, email: `${opts.pusher}@example.com` };
  p.sender = sender(opts.pusher);
  p.installation = { id: opts.installationId, node_id: `I_${opts.installationId}` };
  return p;
}

export interface SimPullRequest {
  number: number;
  title: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  state: "open" | "closed";
  merged: boolean;
  /** the fork's owner when the head lives in a fork */
  forkOwner?: string;
  user: string;
}

export function pullRequestPayload(opts: { action: "opened" | "synchronize" | "reopened" | "closed"; installationId: number; repo: SimRepoRef; pr: SimPullRequest }): Json {
  const p = example("pull_request", opts.action === "synchronize" ? "synchronize" : opts.action);
  const repo = repository(p.repository, opts.repo);
  const fullName = repo.full_name as string;
  const pr = p.pull_request as Json;
  const headRepo = opts.pr.forkOwner
    ? { ...repo, id: opts.repo.id + 1_000_000, full_name: `${opts.pr.forkOwner}/${opts.repo.name}`, fork: true, owner: { ...repo.owner, login: opts.pr.forkOwner, id: ownerId(opts.pr.forkOwner) } }
    : repo;
  p.action = opts.action;
  p.number = opts.pr.number;
  p.pull_request = {
    ...pr,
    id: opts.repo.id * 1000 + opts.pr.number,
    number: opts.pr.number,
    title: opts.pr.title,
    state: opts.pr.state,
    merged: opts.pr.merged,
    merged_at: opts.pr.merged ? new Date().toISOString() : null,
    closed_at: opts.pr.state === "closed" ? new Date().toISOString() : null,
    html_url: `https://github.com/${fullName}/pull/${opts.pr.number}`,
    url: `https://api.github.com/repos/${fullName}/pulls/${opts.pr.number}`,
    user: { ...pr.user, login: opts.pr.user, id: ownerId(opts.pr.user) },
    head: { ...pr.head, label: `${headRepo.owner.login}:${opts.pr.headRef}`, ref: opts.pr.headRef, sha: opts.pr.headSha, repo: headRepo, user: headRepo.owner },
    base: { ...pr.base, label: `${opts.repo.owner}:${opts.pr.baseRef}`, ref: opts.pr.baseRef, repo },
  };
  p.repository = repo;
  p.sender = sender(opts.pr.user);
  p.installation = { id: opts.installationId, node_id: `I_${opts.installationId}` };
  return p;
}

/** `check_run.requested_action` (a button on the check run) or `check_run.rerequested`, pressed by `sender`. */
export function checkRunActionPayload(opts: { action: "requested_action" | "rerequested"; installationId: number; repo: SimRepoRef; checkRun: { id: number; name: string; head_sha: string; external_id: string | null }; identifier?: string; sender: string }): Json {
  const p = example("check_run", opts.action);
  p.check_run = { ...p.check_run, id: opts.checkRun.id, name: opts.checkRun.name, head_sha: opts.checkRun.head_sha, external_id: opts.checkRun.external_id ?? "" };
  if (opts.action === "requested_action") p.requested_action = { identifier: opts.identifier ?? "redeploy" };
  p.repository = repository(p.repository, opts.repo);
  p.sender = sender(opts.sender);
  p.installation = { id: opts.installationId, node_id: `I_${opts.installationId}` };
  return p;
}
