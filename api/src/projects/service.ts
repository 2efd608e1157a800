import { ENV_TYPE_BY_SLUG, type EnvironmentSlug, type ProjectInfo } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import type { Db } from "../db/sql.js";
import { decrypt, encrypt } from "../crypto/encryption.js";
import { hint, sha256Hex } from "../crypto/hash.js";
import { newId, randomString } from "../crypto/ids.js";
import { generateSecretKey } from "../crypto/tokens.js";
import { badRequest, conflict, notFound } from "../errors.js";
import { invalidateAuthCaches } from "../auth/environment-cache.js";
import {
  insertApiKey,
  insertEnvironment,
  selectBranch,
  selectEnvironmentBySlug,
  selectProjectEnvironments,
  unarchiveEnvironment,
} from "./queries/environments.js";
import { insertOrgMember, selectUserOrganizations, upsertOrganization, type OrganizationRow } from "./queries/organizations.js";
import { insertProject, selectProjectByRef, selectProjectForMember, selectProjectsForMember, type ProjectRow } from "./queries/projects.js";

export type { ProjectRow };

type Tx = Db;
const SHARED_SLUGS = ["staging", "prod", "preview"] as const;

/** Creates an organization with `userId` as its admin (or returns the one with that slug). */
export async function createOrganization(deps: ApiDeps, input: { slug: string; title: string; userId: string }): Promise<OrganizationRow> {
  const org = await upsertOrganization(deps.sql, { id: newId("org"), slug: input.slug, title: input.title });
  await insertOrgMember(deps.sql, org.id, input.userId, "ADMIN");
  return org;
}

/** The caller's organizations; a user without one gets a personal organization. */
export async function organizationsOf(deps: ApiDeps, userId: string, email?: string): Promise<OrganizationRow[]> {
  const orgs = await selectUserOrganizations(deps.sql, userId);
  if (orgs.length > 0 || email === undefined) return orgs;
  const base = email.split("@")[0]!.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "org";
  return [await createOrganization(deps, { slug: `${base}-${randomString(6)}`, title: email, userId })];
}

/**
 * Creates a project with staging, prod and preview environments and the creator's dev environment, each
 * with a secret key. `keys` lets the demo seed choose its keys; otherwise they are random.
 */
export async function createProject(
  deps: ApiDeps,
  input: { userId: string; organizationId: string; name: string; ref?: string; keys?: Partial<Record<EnvironmentSlug, string>> },
): Promise<ProjectRow> {
  const ref = input.ref ?? `proj_${randomString(20)}`;
  const slug = input.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || "project";
  const project = await deps.sql.begin(async (tx) => {
    const inserted = await insertProject(tx, { id: newId("proj"), ref, organizationId: input.organizationId, name: input.name, slug });
    const row = await selectProjectByRef(tx, ref);
    if (!inserted && row && row.organization_id !== input.organizationId) {
      throw conflict(`Project ref ${ref} is taken: choose another ref or omit it`, "ref");
    }
    for (const s of SHARED_SLUGS) await ensureTopLevelEnvironment(deps, tx, row!.id, s, null, input.keys?.[s]);
    await ensureTopLevelEnvironment(deps, tx, row!.id, "dev", input.userId, input.keys?.dev);
    return row!;
  });
  return project;
}

async function ensureTopLevelEnvironment(
  deps: ApiDeps,
  tx: Tx,
  projectId: string,
  slug: EnvironmentSlug,
  userId: string | null,
  key?: string,
): Promise<string> {
  const existing = await selectEnvironmentBySlug(tx, projectId, slug, userId);
  if (existing) return existing.id;
  const id = newId("env");
  if (await insertEnvironment(tx, { id, projectId, type: ENV_TYPE_BY_SLUG[slug], slug, userId })) {
    const secret = key ?? generateSecretKey(slug);
    await insertApiKey(tx, {
      id: newId("key"),
      environmentId: id,
      keyHash: sha256Hex(secret),
      keyEncrypted: encrypt(deps.config.encryptionKey, secret),
      keyHint: hint(secret),
    });
    return id;
  }
  const raced = await selectEnvironmentBySlug(tx, projectId, slug, userId);
  return raced!.id;
}

/** A member's own dev environment in a project, created (with its key) on first use. */
export async function ensureDevEnvironment(deps: ApiDeps, projectId: string, userId: string): Promise<string> {
  return deps.sql.begin((tx) => ensureTopLevelEnvironment(deps, tx, projectId, "dev", userId));
}

/** The environment id for a slug: dev is the member's own; preview with a branch is that branch (created or un-archived). */
export async function resolveEnvironmentId(
  deps: ApiDeps,
  project: ProjectRow,
  slug: EnvironmentSlug,
  opts: { userId: string | null; branch?: string; createBranch?: boolean },
): Promise<string> {
  if (slug === "dev") {
    if (!opts.userId) throw badRequest("The dev environment belongs to a member: use a personal access token or the dev secret key", "environment");
    return ensureDevEnvironment(deps, project.id, opts.userId);
  }
  const top = await selectEnvironmentBySlug(deps.sql, project.id, slug, null);
  if (!top) throw notFound(`Environment ${slug} not found in project ${project.ref}`, "environment");
  if (slug !== "preview" || !opts.branch) return top.id;
  return ensureBranchEnvironment(deps, project.id, top.id, opts.branch, opts.createBranch ?? false);
}

export async function ensureBranchEnvironment(
  deps: ApiDeps,
  projectId: string,
  previewId: string,
  branch: string,
  create: boolean,
): Promise<string> {
  const existing = await selectBranch(deps.sql, previewId, branch);
  if (existing) {
    if (existing.archived_at && create) {
      await unarchiveEnvironment(deps.sql, existing.id);
      invalidateAuthCaches(deps);
    }
    return existing.id;
  }
  if (!create) throw notFound(`Preview branch "${branch}" not found`, "branch");
  await insertEnvironment(deps.sql, { id: newId("env"), projectId, type: "PREVIEW", slug: "preview", parentId: previewId, branchName: branch });
  return (await selectBranch(deps.sql, previewId, branch))!.id;
}

/** 404 unless `userId` is a member of the project's organization (the project's existence is not revealed). */
export async function requireProjectMember(deps: ApiDeps, userId: string, ref: string): Promise<ProjectRow> {
  const project = await selectProjectForMember(deps.sql, ref, userId);
  if (!project) throw notFound(`Project ${ref} not found, or you are not a member of its organization`, "projectRef");
  return project;
}

export function listProjects(deps: ApiDeps, userId: string): Promise<ProjectRow[]> {
  return selectProjectsForMember(deps.sql, userId);
}

/** A project as a member sees it, secret keys included. */
export async function projectInfo(deps: ApiDeps, project: ProjectRow, userId: string | null, withKeys: boolean): Promise<ProjectInfo> {
  if (userId) await ensureDevEnvironment(deps, project.id, userId);
  const envs = await selectProjectEnvironments(deps.sql, project.id, userId);
  return {
    id: project.id,
    ref: project.ref,
    name: project.name,
    organization: { id: project.organization_id, slug: project.organization_slug, title: project.organization_title },
    environments: envs
      .filter((e) => e.archived_at === null)
      .map((e) => ({
        id: e.id,
        slug: e.slug,
        type: e.type,
        branchName: e.branch_name,
        currentVersion: e.current_version,
        ...(withKeys && e.key_encrypted ? { apiKey: decrypt(deps.config.encryptionKey, e.key_encrypted) } : {}),
      })),
  };
}
