import { randomBytes } from "node:crypto";
import type { ApiDeps } from "../context.js";
import { sha256Hex } from "../crypto/hash.js";
import { newId } from "../crypto/ids.js";
import { notFound, unauthorized } from "../errors.js";
import { selectProjectEnvironments } from "../projects/queries/environments.js";
import { ensureDevEnvironment, listProjects, requireProjectMember } from "../projects/service.js";
import { selectBranches } from "./queries/branches.js";
import { selectEnvironmentConcurrency, selectQueues } from "./queries/queues.js";
import { verifyPassword } from "./passwords.js";
import { checkSignInAllowed, clearSignInFailures, recordSignInFailure } from "./sign-in-throttle.js";
import { deleteExpiredSessions, deleteSessionByHash, insertSession } from "./queries/sessions.js";
import { selectRunStreams } from "./queries/run-streams.js";
import { runInEnvironment, selectTaskEvents } from "./queries/task-events.js";
import { selectCurrentTasks } from "./queries/tasks.js";
import { cachedTaskStats } from "./task-stats-cache.js";
import { selectUserForSignIn } from "./queries/users.js";
import { SESSION_TTL_MS } from "./session-auth.js";

// Verified when the email is unknown, so a wrong email costs as long as a wrong password.
const DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

export interface SignedIn {
  token: string;
  csrfToken: string;
  expiresAt: Date;
  user: { id: string; email: string; name: string | null };
}

/** Email + password → a new session (401 with one message for any mismatch). */
export async function signIn(deps: ApiDeps, input: { email: string; password: string; userAgent?: string }): Promise<SignedIn> {
  const email = input.email.trim().toLowerCase();
  checkSignInAllowed(deps, email);
  const user = await selectUserForSignIn(deps.sql, email);
  const ok = await verifyPassword(input.password, user?.password_hash ?? DUMMY_HASH);
  if (!user || !ok) {
    recordSignInFailure(deps, email);
    throw unauthorized("Wrong email or password (npm start prints the admin account and writes it to .gantry/demo.json)");
  }
  clearSignInFailures(deps, email);
  return createSession(deps, { id: user.id, email: user.email, name: user.name }, input.userAgent);
}

/** A new session for a user who proved who they are (password or GitHub). */
export async function createSession(deps: ApiDeps, user: SignedIn["user"], userAgent?: string): Promise<SignedIn> {
  const now = deps.clock();
  const token = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(24).toString("base64url");
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await deleteExpiredSessions(deps.sql, now);
  await insertSession(deps.sql, {
    id: newId("sess"),
    tokenHash: sha256Hex(token),
    userId: user.id,
    csrfToken,
    userAgent: userAgent?.slice(0, 300) ?? null,
    expiresAt,
    now,
  });
  return { token, csrfToken, expiresAt, user };
}

export async function signOut(deps: ApiDeps, token: string): Promise<void> {
  await deleteSessionByHash(deps.sql, sha256Hex(token));
}

export interface NavigationProject {
  id: string;
  ref: string;
  name: string;
  organization: { id: string; slug: string; title: string };
  environments: Array<{
    id: string;
    slug: string;
    type: string;
    branchName: string | null;
    parentId: string | null;
    archivedAt: Date | null;
    currentVersion: string | null;
  }>;
}

/** The projects of the user's organizations with the environments they see (their own dev, branches too). */
export async function navigation(deps: ApiDeps, userId: string): Promise<NavigationProject[]> {
  const projects = await listProjects(deps, userId);
  return Promise.all(
    projects.map(async (p) => {
      await ensureDevEnvironment(deps, p.id, userId);
      const envs = await selectProjectEnvironments(deps.sql, p.id, userId);
      return {
        id: p.id,
        ref: p.ref,
        name: p.name,
        organization: { id: p.organization_id, slug: p.organization_slug, title: p.organization_title },
        environments: envs.map((e) => ({
          id: e.id,
          slug: e.slug,
          type: e.type,
          branchName: e.branch_name,
          parentId: e.parent_environment_id,
          archivedAt: e.archived_at,
          currentVersion: e.current_version,
        })),
      };
    }),
  );
}

const EVENTS_LIMIT = 5000;

/** `GET /api/v1/runs/:id/events`: the run's logs and spans, oldest first. */
export async function runEvents(deps: ApiDeps, environmentId: string, runId: string) {
  if (!(await runInEnvironment(deps.sql, runId, environmentId))) throw notFound(`Run ${runId} not found in this environment`, "runId");
  const rows = await selectTaskEvents(deps.sql, runId, EVENTS_LIMIT + 1);
  return {
    data: rows.slice(0, EVENTS_LIMIT).map((e) => ({
      id: e.id,
      time: e.time,
      level: e.level,
      message: e.message,
      attemptNumber: e.attempt_number,
      kind: e.kind,
      durationMs: e.duration_ms ?? undefined,
      spanId: e.span_id ?? undefined,
      parentSpanId: e.parent_span_id ?? undefined,
      attributes: e.attributes ?? undefined,
    })),
    truncated: rows.length > EVENTS_LIMIT,
  };
}

/** `GET /api/v1/dashboard/runs/:id/streams`: the keys of the run's realtime streams (read each over SSE). */
export async function runStreams(deps: ApiDeps, environmentId: string, runId: string) {
  if (!(await runInEnvironment(deps.sql, runId, environmentId))) throw notFound(`Run ${runId} not found in this environment`, "runId");
  const rows = await selectRunStreams(deps.sql, runId);
  return { data: rows.map((r) => ({ key: r.key, chunks: r.chunks, lastChunkAt: r.last_at })) };
}

const STATS_WINDOW_MS = 7 * 24 * 3600_000;

/**
 * The tasks page: the current deployment's tasks (plus tasks seen in recent runs) with 7-day counts and durations
 * (kept per environment for a few seconds, see task-stats-cache.ts; `asOf` says when they were read).
 */
export async function taskOverview(deps: ApiDeps, environmentId: string) {
  const [tasks, stats] = await Promise.all([selectCurrentTasks(deps.sql, environmentId), cachedTaskStats(deps, environmentId, STATS_WINDOW_MS)]);
  const byTask = new Map(stats.rows.map((s) => [s.task_identifier, s]));
  const ids = [...new Set([...tasks.map((t) => t.slug), ...byTask.keys()])].sort();
  return {
    windowDays: 7,
    asOf: stats.asOf.toISOString(),
    data: ids.map((id) => {
      const task = tasks.find((t) => t.slug === id);
      const stat = byTask.get(id);
      return {
        id,
        deployed: task !== undefined,
        filePath: task?.file_path,
        triggerSource: task?.trigger_source,
        queue: task?.queue_name,
        machine: task?.machine ?? undefined,
        payloadSchema: task?.payload_schema ?? undefined,
        runs: stat?.count ?? 0,
        byStatus: stat?.by_status ?? {},
        avgDurationMs: stat?.avg_duration_ms ?? undefined,
        p95DurationMs: stat?.p95_duration_ms ?? undefined,
      };
    }),
  };
}

/** The preview branches page: PR link (from the branch's or its latest deployment's git metadata), versions, archive state. */
export async function previewBranches(deps: ApiDeps, userId: string, projectRef: string) {
  const project = await requireProjectMember(deps, userId, projectRef);
  const rows = await selectBranches(deps.sql, project.id);
  return {
    data: rows.map((b) => {
      const git = { ...(b.git ?? {}), ...(b.latest_git ?? {}) } as { pullRequestNumber?: number; pullRequestUrl?: string; pullRequestTitle?: string; commitSha?: string };
      return {
        id: b.id,
        branchName: b.branch_name,
        archivedAt: b.archived_at,
        createdAt: b.created_at,
        currentVersion: b.current_version,
        latestDeployment: b.latest_version ? { version: b.latest_version, status: b.latest_status, createdAt: b.latest_created_at } : null,
        pullRequest: git.pullRequestNumber || git.pullRequestUrl ? { number: git.pullRequestNumber, url: git.pullRequestUrl, title: git.pullRequestTitle } : null,
        commitSha: git.commitSha,
      };
    }),
  };
}

/** The queues page: each queue's limit and its queued and running runs, and the environment's limit. */
export async function queueOverview(deps: ApiDeps, environmentId: string) {
  const [queues, environmentLimit] = await Promise.all([selectQueues(deps.sql, environmentId), selectEnvironmentConcurrency(deps.sql, environmentId)]);
  return {
    environment: { concurrencyLimit: environmentLimit, running: queues.reduce((n, q) => n + q.running, 0), queued: queues.reduce((n, q) => n + q.queued, 0) },
    data: queues.map((q) => ({ name: q.name, concurrencyLimit: q.concurrency_limit, paused: q.paused, queued: q.queued, running: q.running })),
  };
}
