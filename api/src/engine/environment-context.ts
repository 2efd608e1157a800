import type { EnvironmentType } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";

export interface EnvironmentContext {
  environment: { id: string; slug: string; type: EnvironmentType; branchName: string | undefined };
  organization: { id: string; slug: string; name: string };
  project: { id: string; ref: string; slug: string; name: string };
}

const TTL_MS = 60_000;
const caches = new WeakMap<ApiDeps, Map<string, { at: number; value: EnvironmentContext }>>();

/** The environment, project and organization an execution's `ctx` names (cached for a minute). */
export async function loadEnvironmentContext(deps: ApiDeps, environmentId: string): Promise<EnvironmentContext> {
  let cache = caches.get(deps);
  if (!cache) {
    cache = new Map();
    caches.set(deps, cache);
  }
  const now = Date.now();
  const hit = cache.get(environmentId);
  if (hit && now - hit.at < TTL_MS) return hit.value;
  const [row] = await deps.sql<
    { id: string; slug: string; type: EnvironmentType; branch_name: string | null; project_id: string; ref: string; project_slug: string; project_name: string; org_id: string; org_slug: string; org_title: string }[]
  >`
    select e.id, e.slug, e.type, e.branch_name, p.id as project_id, p.ref, p.slug as project_slug, p.name as project_name,
      o.id as org_id, o.slug as org_slug, o.title as org_title
    from environments e join projects p on p.id = e.project_id join organizations o on o.id = p.organization_id
    where e.id = ${environmentId}`;
  if (!row) throw new Error(`environment ${environmentId} not found`);
  const value: EnvironmentContext = {
    environment: { id: row.id, slug: row.slug, type: row.type, branchName: row.branch_name ?? undefined },
    organization: { id: row.org_id, slug: row.org_slug, name: row.org_title },
    project: { id: row.project_id, ref: row.ref, slug: row.project_slug, name: row.project_name },
  };
  cache.set(environmentId, { at: now, value });
  return value;
}
