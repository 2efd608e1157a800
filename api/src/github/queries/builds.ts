import type { Sql } from "postgres";
import type { DeploymentStatus, EnvironmentSlug } from "@gantry/sdk/contracts";

export interface BuildRow {
  id: string;
  connection_id: string;
  project_id: string;
  project_ref: string;
  repository: string;
  installation_id: number;
  environment_slug: Exclude<EnvironmentSlug, "dev">;
  branch_name: string | null;
  lane: string;
  trigger: "push" | "pull_request" | "redeploy";
  git_ref: string;
  sha: string;
  commit_message: string | null;
  pull_request_number: number | null;
  from_fork: boolean;
  awaiting_approval: boolean;
  sender_login: string | null;
  status: DeploymentStatus;
  deployment_id: string | null;
  deployment_short_code: string | null;
  version: string | null;
  tasks: string[];
  error: { message: string } | null;
  superseded_by: string | null;
  check_run_id: number | null;
  github_deployment_id: number | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  pr_title: string | null;
  pr_url: string | null;
  pr_state: "open" | "closed" | null;
  pr_comment_id: number | null;
  branch_archived: boolean;
}

const SELECT = (sql: Sql) => sql`
  select b.id, b.connection_id, b.project_id, p.ref as project_ref, r.full_name as repository,
    r.installation_id::int as installation_id, b.environment_slug, b.branch_name, b.lane, b.trigger, b.git_ref, b.sha,
    b.commit_message, b.pull_request_number, b.from_fork, b.awaiting_approval, b.sender_login, b.status, b.deployment_id,
    d.short_code as deployment_short_code, b.version, b.tasks, b.error, b.superseded_by,
    b.check_run_id::int as check_run_id, b.github_deployment_id::int as github_deployment_id,
    b.created_at, b.started_at, b.finished_at,
    pr.title as pr_title, pr.url as pr_url, pr.state as pr_state, pr.comment_id::int as pr_comment_id,
    coalesce(be.archived_at is not null, false) as branch_archived
  from github_builds b
  join github_connections c on c.id = b.connection_id
  join projects p on p.id = b.project_id
  join github_repositories r on r.id = c.repository_id
  left join deployments d on d.id = b.deployment_id
  left join github_pull_requests pr on pr.connection_id = b.connection_id and pr.number = b.pull_request_number
  left join environments pe on pe.project_id = b.project_id and pe.slug = 'preview' and pe.parent_environment_id is null and b.branch_name is not null
  left join environments be on be.parent_environment_id = pe.id and be.branch_name = b.branch_name`;

export async function selectBuild(sql: Sql, id: string): Promise<BuildRow | undefined> {
  const [row] = await sql<BuildRow[]>`${SELECT(sql)} where b.id = ${id}`;
  return row;
}

export async function selectBuildsByIds(sql: Sql, ids: string[]): Promise<BuildRow[]> {
  if (ids.length === 0) return [];
  return sql<BuildRow[]>`${SELECT(sql)} where b.id = any(${ids}::text[]) order by b.created_at`;
}

/** The newest build of each lane for a connection's branch (for archive reporting). */
export async function selectLatestBuildOfLane(sql: Sql, lane: string): Promise<BuildRow | undefined> {
  const [row] = await sql<BuildRow[]>`${SELECT(sql)} where b.lane = ${lane} order by b.created_at desc limit 1`;
  return row;
}

export async function selectLatestBuildForSha(sql: Sql, connectionId: string, sha: string): Promise<BuildRow | undefined> {
  const [row] = await sql<BuildRow[]>`${SELECT(sql)} where b.connection_id = ${connectionId} and b.sha = ${sha} order by b.created_at desc limit 1`;
  return row;
}

export async function selectBuildByCheckRun(sql: Sql, checkRunId: number): Promise<BuildRow | undefined> {
  const [row] = await sql<BuildRow[]>`${SELECT(sql)} where b.check_run_id = ${checkRunId} order by b.created_at desc limit 1`;
  return row;
}

export interface NewBuild {
  id: string;
  connectionId: string;
  projectId: string;
  environmentSlug: Exclude<EnvironmentSlug, "dev">;
  branchName: string | null;
  lane: string;
  trigger: "push" | "pull_request" | "redeploy";
  gitRef: string;
  sha: string;
  commitMessage: string | null;
  pullRequestNumber: number | null;
  fromFork: boolean;
  awaitingApproval?: boolean;
  senderLogin: string | null;
}

/**
 * Inserts a build and cancels the lane's older PENDING builds (superseded by this one), in one transaction.
 * Returns the ids of the builds it canceled.
 */
export async function insertBuildSuperseding(sql: Sql, b: NewBuild): Promise<string[]> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${`github-lane:${b.lane}`}))`;
    await tx`
      insert into github_builds (id, connection_id, project_id, environment_slug, branch_name, lane, trigger, git_ref, sha,
        commit_message, pull_request_number, from_fork, awaiting_approval, sender_login)
      values (${b.id}, ${b.connectionId}, ${b.projectId}, ${b.environmentSlug}, ${b.branchName}, ${b.lane}, ${b.trigger},
        ${b.gitRef}, ${b.sha}, ${b.commitMessage}, ${b.pullRequestNumber}, ${b.fromFork}, ${b.awaitingApproval ?? false}, ${b.senderLogin})`;
    const canceled = await tx<{ id: string }[]>`
      update github_builds set status = 'CANCELED', superseded_by = ${b.id}, finished_at = now(), updated_at = now(),
        error = jsonb_build_object('message', 'Superseded by a newer commit')
      where lane = ${b.lane} and status = 'PENDING' and id <> ${b.id}
      returning id`;
    return canceled.map((r) => r.id);
  }) as Promise<string[]>;
}

export type ClaimResult = ({ outcome: "claimed" } | { outcome: "busy" } | { outcome: "skip"; status: DeploymentStatus }) & { abandoned: string[] };

/**
 * PENDING → BUILDING unless another build of the lane is running (busy) or this one is no longer PENDING (skip).
 * A running build not heard of for `staleAfterMs` lost its worker: it is TIMED_OUT first (listed in `abandoned`),
 * so a dead worker never blocks its lane.
 */
export async function claimBuild(sql: Sql, id: string, lane: string, staleAfterMs: number): Promise<ClaimResult> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${`github-lane:${lane}`}))`;
    const abandonedRows = await tx<{ id: string }[]>`
      update github_builds set status = 'TIMED_OUT', finished_at = now(), updated_at = now(),
        error = ${tx.json({ message: "The build worker stopped reporting (it crashed or was stopped): push again or press Redeploy" })}
      where lane = ${lane} and status in ('BUILDING', 'DEPLOYING') and updated_at < now() - make_interval(secs => ${staleAfterMs / 1000})
      returning id`;
    const abandoned = abandonedRows.map((r) => r.id);
    const [row] = await tx<{ status: DeploymentStatus }[]>`select status from github_builds where id = ${id} for update`;
    if (!row) return { outcome: "skip", status: "CANCELED", abandoned } as ClaimResult;
    if (row.status !== "PENDING") return { outcome: "skip", status: row.status, abandoned } as ClaimResult;
    const running = await tx`select 1 from github_builds where lane = ${lane} and id <> ${id} and status in ('BUILDING', 'DEPLOYING') limit 1`;
    if (running.length > 0) return { outcome: "busy", abandoned } as ClaimResult;
    const [waiting] = await tx<{ awaiting_approval: boolean }[]>`select awaiting_approval from github_builds where id = ${id}`;
    if (waiting?.awaiting_approval) return { outcome: "skip", status: "PENDING", abandoned } as ClaimResult;
    await tx`update github_builds set status = 'BUILDING', started_at = now(), updated_at = now() where id = ${id}`;
    return { outcome: "claimed", abandoned } as ClaimResult;
  }) as Promise<ClaimResult>;
}

const FINAL = ["DEPLOYED", "FAILED", "CANCELED", "TIMED_OUT"];

/**
 * Moves a live build to `status` (the same status again appends logs and proves the worker alive). A build
 * already final is left as it is. Returns null when nothing changed, else whether the status changed.
 */
export async function updateBuildStatus(
  sql: Sql,
  id: string,
  u: { status: DeploymentStatus; deploymentId?: string; version?: string; tasks?: string[]; error?: { message: string }; logs?: string },
): Promise<{ statusChanged: boolean } | null> {
  const final = FINAL.includes(u.status);
  const [row] = await sql<{ previous: DeploymentStatus }[]>`
    update github_builds b set status = ${u.status},
      deployment_id = coalesce(${u.deploymentId ?? null}, b.deployment_id),
      version = coalesce(${u.version ?? null}, b.version),
      tasks = coalesce(${u.tasks ?? null}::text[], b.tasks),
      error = coalesce(${u.error ? sql.json(u.error) : null}::jsonb, b.error),
      logs = b.logs || ${u.logs ?? ""},
      finished_at = case when ${final} then now() else b.finished_at end,
      updated_at = now()
    from (select id, status as previous from github_builds where id = ${id} for update) p
    where b.id = p.id and p.previous in ('PENDING', 'BUILDING', 'DEPLOYING')
      -- a late log flush never moves a build back from DEPLOYING
      and not (p.previous = 'DEPLOYING' and ${u.status} = 'BUILDING')
    returning p.previous`;
  return row ? { statusChanged: row.previous !== u.status } : null;
}

export async function selectBuildLogs(sql: Sql, id: string): Promise<string | undefined> {
  const [row] = await sql<{ logs: string }[]>`select logs from github_builds where id = ${id}`;
  return row?.logs;
}

export async function setBuildGitHubRefs(sql: Sql, id: string, refs: { checkRunId?: number; githubDeploymentId?: number; runsCheckRunId?: number }): Promise<void> {
  await sql`update github_builds set
      check_run_id = coalesce(${refs.checkRunId ?? null}::bigint, check_run_id),
      runs_check_run_id = coalesce(${refs.runsCheckRunId ?? null}::bigint, runs_check_run_id),
      github_deployment_id = coalesce(${refs.githubDeploymentId ?? null}::bigint, github_deployment_id),
      updated_at = now()
    where id = ${id}`;
}

/** Cancels every PENDING build of a lane (a closed pull request). */
export async function cancelPendingBuildsOfLane(sql: Sql, lane: string, message: string): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    update github_builds set status = 'CANCELED', finished_at = now(), updated_at = now(), error = ${sql.json({ message })}
    where lane = ${lane} and status = 'PENDING' returning id`;
  return rows.map((r) => r.id);
}

/**
 * A project member authorized a fork's build: it may now build. Its check run id is cleared so the build gets a
 * fresh check run (a completed action_required one cannot go back to in_progress).
 */
export async function approveBuild(sql: Sql, id: string, approvedBy: string): Promise<boolean> {
  const rows = await sql`
    update github_builds set awaiting_approval = false, approved_by = ${approvedBy}, check_run_id = null, updated_at = now()
    where id = ${id} and awaiting_approval and status = 'PENDING' returning id`;
  return rows.length === 1;
}

/** Does the lane already have a build of `sha` (any state but superseded/canceled)? */
export async function laneHasBuildOf(sql: Sql, lane: string, sha: string): Promise<boolean> {
  const rows = await sql`select 1 from github_builds where lane = ${lane} and sha = ${sha} and status <> 'CANCELED' limit 1`;
  return rows.length === 1;
}

/** Running builds not heard of for `staleAfterMs` (every live build worker reports at least every 30 s): TIMED_OUT. */
export async function timeOutSilentBuilds(sql: Sql, staleAfterMs: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    update github_builds set status = 'TIMED_OUT', finished_at = now(), updated_at = now(),
      error = ${sql.json({ message: "The build worker stopped reporting (it crashed or was stopped): push again or press Redeploy" })}
    where status in ('BUILDING', 'DEPLOYING') and updated_at < now() - make_interval(secs => ${staleAfterMs / 1000})
    returning id`;
  return rows.map((r) => r.id);
}
