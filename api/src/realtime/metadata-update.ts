import { applyMetadataOperations, LIMITS, type RunMetadataOperation, type UpdateRunMetadataRequestBody } from "@gantry/sdk/contracts";
import type { Db } from "../db/sql.js";
import { forbidden, notFound, tooLarge } from "../errors.js";
import { lockRunsMetadata, selectRunFamilies, selectRunMetadata, updateRunsMetadata, type RunFamilyRow } from "./queries/run-metadata.js";

export interface MetadataUpdate {
  environmentId: string;
  /** the path's run */
  runId: string;
  body: UpdateRunMetadataRequestBody;
  /** the run whose token made the request (undefined: the environment's secret key) */
  callerRunId?: string;
}

export interface MetadataUpdated {
  /** the path run's metadata after the update */
  metadata: Record<string, unknown>;
  /** every run whose metadata changed (to announce to realtime) */
  changed: string[];
}

type Field = "metadata" | "operations" | "parentOperations" | "rootOperations";

/**
 * Applies one `PUT /api/v1/runs/{runId}/metadata` inside the caller's transaction: the run's own `metadata` /
 * `operations`, then `parentOperations` on its parent and `rootOperations` on its root (the run itself when it
 * has no parent: a root run's `metadata.parent` / `metadata.root` are its own, as in the official client). The
 * rows are locked, so concurrent children incrementing their parent's counter all count. A run token may reach
 * its own run, its parent and its root, nothing else (403); each run's result must fit in 256 KB (413 naming
 * the field that pushed it over), else nothing is written.
 */
export async function updateMetadata(tx: Db, update: MetadataUpdate): Promise<MetadataUpdated> {
  const { environmentId, runId, body, callerRunId } = update;
  const familyIds = callerRunId && callerRunId !== runId ? [runId, callerRunId] : [runId];
  const families = new Map((await selectRunFamilies(tx, environmentId, familyIds)).map((r) => [r.id, r]));
  const run = families.get(runId);
  if (!run) throw notFound(`Run ${runId} not found in this environment`, "runId");
  if (callerRunId) {
    const caller = families.get(callerRunId);
    const reachable = caller ? reach(caller) : new Set<string>();
    const wanted = [runId, ...(body.parentOperations?.length ? [parentOf(run)] : []), ...(body.rootOperations?.length ? [rootOf(run)] : [])];
    const denied = wanted.find((id) => !reachable.has(id));
    if (denied) throw forbidden(`A run token may change the metadata of its own run, its parent and its root only, not run ${denied}`);
  }

  // each target with the operations to apply to it, in the order the reference applies them
  const plan: Array<{ target: string; field: Field; replace?: Record<string, unknown>; operations: readonly RunMetadataOperation[] }> = [];
  if (body.metadata !== undefined || body.operations?.length) {
    plan.push({ target: runId, field: body.operations?.length ? "operations" : "metadata", replace: body.metadata, operations: body.operations ?? [] });
  }
  if (body.parentOperations?.length) plan.push({ target: parentOf(run), field: "parentOperations", operations: body.parentOperations });
  if (body.rootOperations?.length) plan.push({ target: rootOf(run), field: "rootOperations", operations: body.rootOperations });

  const locked = await lockRunsMetadata(tx, environmentId, [...new Set([runId, ...plan.map((p) => p.target)])]);
  const current = new Map(locked.map((r) => [r.id, asObject(r.metadata)]));
  const changedBy = new Map<string, Field>();
  for (const step of plan) {
    const before = current.get(step.target);
    // the parent or root is in the same environment (a child inherits it); absent only if it was deleted
    if (!before) throw notFound(`Run ${step.target} (the ${step.field === "rootOperations" ? "root" : "parent"} of ${runId}) no longer exists`, step.field);
    current.set(step.target, applyMetadataOperations(step.replace ?? before, step.operations));
    changedBy.set(step.target, step.field);
  }
  const writes: Array<{ id: string; metadata: Record<string, unknown> }> = [];
  for (const [id, field] of changedBy) {
    const metadata = current.get(id)!;
    const size = Buffer.byteLength(JSON.stringify(metadata));
    if (size > LIMITS.metadataBytes) {
      const whose = id === runId ? `Run ${runId}` : `Run ${id} (the ${field === "rootOperations" ? "root" : "parent"} of ${runId})`;
      throw tooLarge(
        `${whose}'s metadata would be ${size} bytes: the limit is ${LIMITS.metadataBytes} (256 KB). Store large data elsewhere and keep a reference in metadata.`,
        field,
      );
    }
    writes.push({ id, metadata });
  }
  await updateRunsMetadata(tx, writes);
  return { metadata: current.get(runId) ?? {}, changed: writes.map((w) => w.id) };
}

/**
 * `GET /api/v1/runs/{runId}/metadata` (the official client's `metadata.refresh()`): the run's metadata. A run
 * token reads its own run's, its parent's and its root's (403 otherwise).
 */
export async function readMetadata(db: Db, environmentId: string, runId: string, callerRunId?: string): Promise<Record<string, unknown>> {
  if (callerRunId && callerRunId !== runId) {
    const [caller] = await selectRunFamilies(db, environmentId, [callerRunId]);
    if (!caller || !reach(caller).has(runId)) throw forbidden(`A run token may read the metadata of its own run, its parent and its root only, not run ${runId}`);
  }
  const row = await selectRunMetadata(db, environmentId, runId);
  if (!row) throw notFound(`Run ${runId} not found in this environment`, "runId");
  return asObject(row.metadata);
}

/**
 * The runs a run token may write to (metadata, streams): its own run, its parent and its root. Empty when the
 * caller's run is not in the environment.
 */
export async function runTokenReach(db: Db, environmentId: string, callerRunId: string): Promise<Set<string>> {
  const [caller] = await selectRunFamilies(db, environmentId, [callerRunId]);
  return caller ? reach(caller) : new Set();
}

const parentOf = (run: RunFamilyRow) => run.parent_run_id ?? run.id;
const rootOf = (run: RunFamilyRow) => run.root_run_id ?? run.id;
const reach = (run: RunFamilyRow) => new Set([run.id, parentOf(run), rootOf(run)]);

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
