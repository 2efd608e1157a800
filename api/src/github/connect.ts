import type { ConnectRepoBody, GitHubConnection } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { newId } from "../crypto/ids.js";
import { ApiError, forbidden, notFound } from "../errors.js";
import { requireProjectMember } from "../projects/service.js";
import { selectConnectionByProject, selectConnectionByRepository, upsertConnection } from "./queries/connections.js";
import { selectRepositoryByName } from "./queries/installations.js";
import { selectOrgRole } from "./queries/members.js";
import { toGitHubConnection } from "./present.js";

/**
 * Connects a repository the App is installed on to a project. Only an admin of the project's organization may:
 * installing the App grants nothing by itself. A repository builds for one project only.
 */
export async function connectRepository(deps: ApiDeps, userId: string, body: ConnectRepoBody): Promise<GitHubConnection> {
  const project = await requireProjectMember(deps, userId, body.projectRef);
  if ((await selectOrgRole(deps.sql, project.organization_id, userId)) !== "ADMIN") {
    throw forbidden(`Only an admin of project ${project.ref}'s organization can connect a repository`);
  }
  const repo = await selectRepositoryByName(deps.sql, body.repository);
  if (!repo || repo.removed_at || !repo.installation_usable) {
    throw notFound(`The Gantry GitHub App is not installed on ${body.repository}: install it on the repository (or add the repository to the installation), then connect again`, "repository");
  }
  const other = await selectConnectionByRepository(deps.sql, repo.id);
  if (other && other.project_id !== project.id) {
    throw new ApiError(409, "conflict", `${repo.full_name} is already connected to project ${other.project_ref}: disconnect it there first`, "repository");
  }
  await upsertConnection(deps.sql, {
    id: newId("ghc"),
    projectId: project.id,
    repositoryId: repo.id,
    userId,
    productionBranch: body.productionBranch ?? null,
    stagingBranch: body.stagingBranch ?? null,
    previews: body.previews ?? true,
    maxActivePreviews: body.maxActivePreviews ?? null,
    configPath: body.configPath ?? null,
    rootDir: body.rootDir ?? null,
    installCommand: body.installCommand ?? null,
    preBuildCommand: body.preBuildCommand ?? null,
  });
  return toGitHubConnection((await selectConnectionByProject(deps.sql, project.id))!);
}

export async function getProjectConnection(deps: ApiDeps, userId: string, projectRef: string): Promise<GitHubConnection> {
  const project = await requireProjectMember(deps, userId, projectRef);
  const c = await selectConnectionByProject(deps.sql, project.id);
  if (!c) throw notFound(`Project ${projectRef} has no connected repository: gantry github connect owner/repo --project-ref ${projectRef}`);
  return toGitHubConnection(c);
}
