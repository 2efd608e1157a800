import type { CreateDeploymentRequestBody, DeploymentInfo, EnvironmentSlug, FinalizeDeploymentRequestBody } from "@gantry/sdk/contracts";
import type { z } from "zod";
import type { ApiDeps, AuthContext } from "../context.js";
import { artifactExists } from "../artifacts/queries/artifacts.js";
import { newId, randomString } from "../crypto/ids.js";
import { ApiError, badRequest, conflict, forbidden, notFound, unauthorized } from "../errors.js";
import { enqueueDeploymentAlerts } from "../alerts/enqueue.js";
import { releasePendingVersionRuns } from "../engine/pending-version.js";
import { ensureBranchEnvironment, requireProjectMember, resolveEnvironmentId } from "../projects/service.js";
import { selectProjectByRef } from "../projects/queries/projects.js";
import { markDeployed, markFailed, queueFlowControl, setCurrentDeployment, taskQueueName, upsertQueues } from "./queries/finalize-deployment.js";
import { insertDeployment, nextVersion } from "./queries/insert-deployment.js";
import { selectDeploymentById, selectDeploymentByVersion, type DeploymentRow } from "./queries/select-deployment.js";
import { PLATFORM_SDK_VERSION } from "./sdk-version.js";
import { syncDeclarativeSchedules } from "../schedules/sync.js";

type FinalizeBody = z.infer<typeof FinalizeDeploymentRequestBody>;

export function toDeploymentInfo(deps: ApiDeps, d: DeploymentRow): DeploymentInfo {
  return {
    id: d.id,
    shortCode: d.short_code,
    version: d.version,
    status: d.status,
    environment: { id: d.environment_id, slug: d.env_slug, type: d.env_type, branchName: d.env_branch_name },
    projectRef: d.project_ref,
    contentHash: d.content_hash,
    artifactHash: d.artifact_hash,
    tasks: d.tasks,
    git: d.git,
    error: d.error,
    isCurrent: d.is_current,
    createdAt: d.created_at,
    deployedAt: d.deployed_at,
    dashboardUrl: `${deps.config.publicUrl}/#/deployments/${d.short_code}`,
  };
}

export function assertSdkVersion(sdkVersion: string, param: string): void {
  if (sdkVersion === PLATFORM_SDK_VERSION) return;
  throw new ApiError(
    400,
    "version_mismatch",
    `This project uses @gantry/sdk ${sdkVersion} but the platform runs @gantry/sdk ${PLATFORM_SDK_VERSION}: install the platform's version (gantry update, or npm install <api url>/packages/gantry-sdk.tgz) and deploy again`,
    param,
  );
}

const utcDay = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, "");

/**
 * Where a deployment goes: a personal access token names the project (member check) and environment (its own
 * dev for "dev"); a secret key deploys to its own environment. A preview deploy needs a branch, created (or
 * un-archived) on the way.
 */
async function deploymentTarget(
  deps: ApiDeps,
  auth: AuthContext,
  body: CreateDeploymentRequestBody,
  branchHeader: string | undefined,
): Promise<{ projectId: string; environmentId: string; userId: string | null }> {
  const branch = body.branch ?? branchHeader;
  if (auth.kind === "user") {
    if (!body.projectRef) throw badRequest("projectRef is required with a personal access token", "projectRef");
    const project = await requireProjectMember(deps, auth.userId, body.projectRef);
    const slug: EnvironmentSlug = body.environment ?? "prod";
    if (slug === "preview" && !branch) throw badRequest("Deploying to preview needs a branch name", "branch");
    const environmentId = await resolveEnvironmentId(deps, project, slug, { userId: auth.userId, branch, createBranch: true });
    return { projectId: project.id, environmentId, userId: auth.userId };
  }
  if (auth.kind !== "environment" || auth.via !== "secretKey") throw unauthorized("Deploy with a personal access token or a secret key");
  const env = auth.environment;
  if (body.projectRef && body.projectRef !== env.projectRef) {
    throw forbidden(`This secret key belongs to project ${env.projectRef}, not ${body.projectRef}`);
  }
  if (body.environment && body.environment !== env.slug) {
    throw badRequest(`This secret key belongs to the ${env.slug} environment, not ${body.environment}`, "environment");
  }
  if (env.type === "PREVIEW" && env.branchName === null) {
    if (!branch) throw badRequest("Deploying to preview needs a branch name", "branch");
    return { projectId: env.projectId, environmentId: await ensureBranchEnvironment(deps, env.projectId, env.id, branch, true), userId: null };
  }
  return { projectId: env.projectId, environmentId: env.id, userId: env.userId };
}

/** A new deployment in BUILDING, with the environment's next version `YYYYMMDD.N`. */
export async function createDeployment(
  deps: ApiDeps,
  auth: AuthContext,
  body: CreateDeploymentRequestBody,
  branchHeader?: string,
): Promise<DeploymentInfo> {
  assertSdkVersion(body.sdkVersion, "sdkVersion");
  const target = await deploymentTarget(deps, auth, body, branchHeader);
  const id = newId("deployment");
  await deps.sql.begin(async (tx) => {
    const version = await nextVersion(tx, target.environmentId, utcDay(deps.clock()));
    await insertDeployment(tx, {
      id,
      shortCode: randomString(8),
      environmentId: target.environmentId,
      projectId: target.projectId,
      version,
      sdkVersion: body.sdkVersion,
      cliVersion: body.cliVersion ?? null,
      source: body.source ?? "cli",
      git: body.git ?? null,
      createdByUserId: auth.kind === "user" ? auth.userId : null,
    });
  });
  return toDeploymentInfo(deps, (await selectDeploymentById(deps.sql, id))!);
}

/** The deployment, if the caller may see it (a member of its project, or a key of its environment). */
export async function getDeployment(deps: ApiDeps, auth: AuthContext, id: string): Promise<DeploymentRow> {
  const d = await selectDeploymentById(deps.sql, id);
  if (!d || !(await canAccess(deps, auth, d))) throw notFound(`Deployment ${id} not found`, "id");
  return d;
}

async function canAccess(deps: ApiDeps, auth: AuthContext, d: DeploymentRow): Promise<boolean> {
  switch (auth.kind) {
    case "user":
      return requireProjectMember(deps, auth.userId, d.project_ref).then(() => true, () => false);
    case "environment":
      return auth.via === "secretKey" && (d.environment_id === auth.environment.id || d.env_parent_id === auth.environment.id);
    case "run":
    case "runner":
      return false;
  }
}

/**
 * DEPLOYED: records the artifact, manifest, tasks and queues and (unless skipPromotion) makes it the
 * environment's current version, all in one transaction; then releases runs waiting for a version.
 */
export async function finalizeDeployment(deps: ApiDeps, auth: AuthContext, id: string, body: FinalizeBody): Promise<DeploymentInfo> {
  const d = await getDeployment(deps, auth, id);
  if (d.status === "DEPLOYED" && d.artifact_hash === body.artifactHash) return toDeploymentInfo(deps, d);
  if (!["PENDING", "BUILDING", "DEPLOYING"].includes(d.status)) {
    throw conflict(`Deployment ${d.version} is ${d.status}: only a building deployment can be finalized`, "id");
  }
  assertSdkVersion(body.manifest.sdkVersion, "manifest.sdkVersion");
  if (!(await artifactExists(deps.sql, body.artifactHash))) {
    throw badRequest(`Artifact ${body.artifactHash} was not uploaded: PUT /api/v1/artifacts/${body.artifactHash} first`, "artifactHash");
  }
  const queues = new Map<string, number | null>();
  for (const q of body.manifest.queues) queues.set(q.name, q.concurrencyLimit ?? null);
  for (const t of body.manifest.tasks) {
    const name = taskQueueName(t);
    if (!queues.has(name) || t.queue?.concurrencyLimit !== undefined) queues.set(name, t.queue?.concurrencyLimit ?? queues.get(name) ?? null);
  }
  const flowControl = queueFlowControl(body.manifest);
  const promote = !body.skipPromotion;
  await deps.sql.begin(async (tx) => {
    if (!(await markDeployed(tx, d.id, body.artifactHash, body.manifest, deps.clock()))) {
      throw conflict(`Deployment ${d.version} changed while finalizing: retrieve it and try again`, "id");
    }
    await upsertQueues(tx, d.environment_id, [...queues].map(([name, concurrencyLimit]) => ({ id: newId("queue"), name, concurrencyLimit, ...flowControl.get(name) })));
    if (promote) {
      await setCurrentDeployment(tx, d.environment_id, d.id);
      await syncDeclarativeSchedules(deps, tx, d.id);
    }
  });
  if (promote) await releasePendingVersionRuns(deps, d.environment_id);
  void enqueueDeploymentAlerts(deps, d.id);
  return toDeploymentInfo(deps, (await selectDeploymentById(deps.sql, d.id))!);
}

export async function failDeployment(
  deps: ApiDeps,
  auth: AuthContext,
  id: string,
  status: "FAILED" | "CANCELED" | "TIMED_OUT",
  error: unknown,
): Promise<DeploymentInfo> {
  const d = await getDeployment(deps, auth, id);
  if (!(await markFailed(deps.sql, d.id, status, error, deps.clock()))) {
    throw conflict(`Deployment ${d.version} is already ${d.status}`, "id");
  }
  void enqueueDeploymentAlerts(deps, d.id);
  return toDeploymentInfo(deps, (await selectDeploymentById(deps.sql, d.id))!);
}

/** Makes a DEPLOYED version the environment's current one (atomic: runs start on it from now on). */
export async function promoteVersion(deps: ApiDeps, environmentId: string, version: string): Promise<DeploymentInfo> {
  const d = await selectDeploymentByVersion(deps.sql, environmentId, version);
  if (!d) throw notFound(`Version ${version} not found in this environment`, "version");
  if (d.status !== "DEPLOYED") throw conflict(`Version ${version} is ${d.status}: only a DEPLOYED version can be promoted`, "version");
  await setCurrentDeployment(deps.sql, environmentId, d.id);
  await releasePendingVersionRuns(deps, environmentId);
  return toDeploymentInfo(deps, (await selectDeploymentById(deps.sql, d.id))!);
}

/** The environment a project-scoped request acts on: member's PAT (dev: their own) or a key of that project. */
export async function projectEnvironment(
  deps: ApiDeps,
  auth: AuthContext,
  ref: string,
  slug: EnvironmentSlug,
  branch?: string,
): Promise<string> {
  if (auth.kind === "user") {
    const project = await requireProjectMember(deps, auth.userId, ref);
    return resolveEnvironmentId(deps, project, slug, { userId: auth.userId, branch });
  }
  if (auth.kind === "environment" && auth.via === "secretKey") {
    const env = auth.environment;
    const project = env.projectRef === ref ? await selectProjectByRef(deps.sql, ref) : undefined;
    if (!project) throw notFound(`Project ${ref} not found for this key`, "projectRef");
    if (env.slug !== slug) throw forbidden(`This secret key belongs to the ${env.slug} environment, not ${slug}`);
    if (env.type === "PREVIEW" && env.branchName === null && branch) {
      return ensureBranchEnvironment(deps, env.projectId, env.id, branch, false);
    }
    return env.id;
  }
  throw unauthorized("Use a personal access token or the environment's secret key");
}
