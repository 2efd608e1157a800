import { DeploymentStatus, parseDurationMs } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import {
  selectCurrentDeployment,
  selectEnvironmentDeployments,
  type EnvironmentDeploymentFilters,
  type EnvironmentDeploymentRow,
} from "./queries/select-environment-deployments.js";

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

const invalid = (param: string, message: string) => new ApiError(400, "invalid_param", message, param);

/**
 * The reference's deployment shape for `deployments.retrieveCurrent()` / `deployments.list()` of the official
 * client (ApiDeploymentListResponseItem). Gantry bundles run on Node; it does not record the exact Node version.
 */
export function presentEnvironmentDeployment(d: EnvironmentDeploymentRow) {
  return {
    id: d.id,
    createdAt: d.created_at,
    shortCode: d.short_code,
    version: d.version,
    runtime: "node",
    runtimeVersion: null,
    status: d.status,
    deployedAt: d.deployed_at ?? undefined,
    git: d.git ?? undefined,
    error: d.error ? { name: "Error", message: d.error.message, stack: d.error.stack } : undefined,
  };
}

/** `GET /api/v1/deployments/current`: the environment's promoted deployment, or 404 if none was promoted yet. */
export async function currentDeployment(deps: ApiDeps, environmentId: string) {
  const row = await selectCurrentDeployment(deps.sql, environmentId);
  if (!row) throw notFound("This environment has no promoted deployment yet: deploy with `gantry deploy`");
  return presentEnvironmentDeployment(row);
}

function date(value: string | undefined, param: string): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw invalid(param, `${param} must be an ISO 8601 date`);
  return parsed;
}

/** `GET /api/v1/deployments`: newest first, cursor-paged (`page[after]` = the last id of the previous page). */
export async function listDeploymentsOfEnvironment(deps: ApiDeps, environmentId: string, query: Record<string, string>, now = new Date()) {
  const filters: EnvironmentDeploymentFilters = {};
  if (query.status !== undefined) {
    const status = DeploymentStatus.safeParse(query.status);
    if (!status.success) throw invalid("status", `status must be one of ${DeploymentStatus.options.join(", ")}`);
    filters.status = status.data;
  }
  filters.from = date(query.from, "from");
  filters.to = date(query.to, "to");
  if (query.period !== undefined) {
    const ms = parseDurationMs(query.period);
    if (ms === undefined) throw invalid("period", "period must be a duration like 1d, 7d or 3h");
    filters.from = new Date(now.getTime() - ms);
  }
  if (query["page[after]"]) filters.after = query["page[after]"];
  const sizeParam = query["page[size]"];
  const size = sizeParam === undefined ? DEFAULT_PAGE_SIZE : Number(sizeParam);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw invalid("page[size]", `page[size] must be an integer from 1 to ${MAX_PAGE_SIZE}`);

  const rows = await selectEnvironmentDeployments(deps.sql, environmentId, filters, size + 1);
  const page = rows.slice(0, size);
  const next = rows.length > size ? page[page.length - 1]?.id : undefined;
  return { data: page.map(presentEnvironmentDeployment), pagination: next ? { next } : {} };
}
