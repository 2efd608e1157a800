import type { CreateScheduleRequestBody, ListSchedulesResult, ScheduleObject, UpdateScheduleRequestBody } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthEnvironment } from "../context.js";
import { newId } from "../crypto/ids.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { presentSchedule } from "./present.js";
import { selectSchedule, selectSchedulePage, selectTaskKind, type ScheduleRow } from "./queries/select-schedules.js";
import { deleteSchedule, setScheduleActive, updateSchedule, upsertImperativeSchedule } from "./queries/write-schedules.js";
import { nextTick } from "./cron/next-tick.js";
import { parseCron } from "./cron/parse-cron.js";
import { validateSchedule } from "./validate.js";

const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 100;

/** The task must be one this environment deployed with `schedules.task` (the reference's rule). */
async function assertScheduledTask(deps: ApiDeps, env: AuthEnvironment, task: string): Promise<void> {
  const kind = await selectTaskKind(deps.sql, env.id, task);
  if (kind === "SCHEDULED") return;
  throw badRequest(
    kind === "STANDARD"
      ? `Task "${task}" is not a scheduled task: define it with schedules.task({ id: "${task}", ... }) and deploy`
      : `Task "${task}" has not been deployed to this environment: define it with schedules.task and deploy (or run gantry dev) first`,
    "task",
  );
}

/** POST /api/v1/schedules: creates an IMPERATIVE schedule, or updates the one holding `deduplicationKey`. */
export async function createSchedule(deps: ApiDeps, env: AuthEnvironment, body: CreateScheduleRequestBody): Promise<ScheduleObject> {
  const valid = validateSchedule(body.cron, body.timezone, deps.clock());
  await assertScheduledTask(deps, env, body.task);
  const id = await upsertImperativeSchedule(deps.sql, {
    id: newId("sched"),
    environmentId: env.id,
    projectId: env.projectId,
    taskIdentifier: body.task,
    cron: valid.spec.expression,
    timezone: valid.timezone,
    externalId: body.externalId ?? null,
    deduplicationKey: body.deduplicationKey ?? null,
    nextTickAt: valid.nextTickAt,
  });
  if (!id) throw badRequest(`deduplicationKey "${body.deduplicationKey}" belongs to a declarative schedule`, "deduplicationKey");
  return presentSchedule((await selectSchedule(deps.sql, env.id, id))!);
}

export async function retrieveSchedule(deps: ApiDeps, env: AuthEnvironment, id: string): Promise<ScheduleObject> {
  return presentSchedule(await loadSchedule(deps, env, id));
}

/** GET /api/v1/schedules?page=&perPage= (1-based pages). */
export async function listSchedules(deps: ApiDeps, env: AuthEnvironment, query: { page?: string; perPage?: string }): Promise<ListSchedulesResult> {
  const page = positiveInt(query.page, 1, "page");
  const perPage = Math.min(positiveInt(query.perPage, DEFAULT_PER_PAGE, "perPage"), MAX_PER_PAGE);
  const { rows, count } = await selectSchedulePage(deps.sql, env.id, page, perPage);
  return {
    data: rows.map(presentSchedule),
    pagination: { currentPage: page, totalPages: Math.ceil(count / perPage), count },
  };
}

/** PUT /api/v1/schedules/:id (IMPERATIVE only). */
export async function changeSchedule(deps: ApiDeps, env: AuthEnvironment, id: string, body: UpdateScheduleRequestBody): Promise<ScheduleObject> {
  await loadImperative(deps, env, id, "updated");
  const valid = validateSchedule(body.cron, body.timezone, deps.clock());
  await assertScheduledTask(deps, env, body.task);
  await updateSchedule(deps.sql, env.id, id, {
    taskIdentifier: body.task,
    cron: valid.spec.expression,
    timezone: valid.timezone,
    externalId: body.externalId ?? null,
    nextTickAt: valid.nextTickAt,
  });
  return retrieveSchedule(deps, env, id);
}

/** POST /api/v1/schedules/:id/activate|deactivate (IMPERATIVE only). */
export async function setActive(deps: ApiDeps, env: AuthEnvironment, id: string, active: boolean): Promise<ScheduleObject> {
  const row = await loadImperative(deps, env, id, active ? "activated" : "deactivated");
  const next = active ? (nextTick(parseCron(row.cron), row.timezone, deps.clock()) ?? null) : null;
  await setScheduleActive(deps.sql, env.id, id, active, next);
  return retrieveSchedule(deps, env, id);
}

/** DELETE /api/v1/schedules/:id (IMPERATIVE only). */
export async function removeSchedule(deps: ApiDeps, env: AuthEnvironment, id: string): Promise<{ id: string }> {
  await loadImperative(deps, env, id, "deleted");
  await deleteSchedule(deps.sql, env.id, id);
  return { id };
}

async function loadSchedule(deps: ApiDeps, env: AuthEnvironment, id: string): Promise<ScheduleRow> {
  const row = await selectSchedule(deps.sql, env.id, id);
  if (!row) throw notFound(`Schedule ${id} not found in this environment`, "scheduleId");
  return row;
}

async function loadImperative(deps: ApiDeps, env: AuthEnvironment, id: string, verb: string): Promise<ScheduleRow> {
  const row = await loadSchedule(deps, env, id);
  if (row.type !== "IMPERATIVE") {
    throw new ApiError(
      400,
      "invalid_body",
      `Schedule ${id} is DECLARATIVE (the cron of task "${row.task_identifier}"): only IMPERATIVE schedules can be ${verb} through the API; change the task's cron and deploy`,
      "scheduleId",
    );
  }
  return row;
}

function positiveInt(value: string | undefined, fallback: number, param: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw badRequest(`${param} must be a whole number of 1 or more (got "${value}")`, param);
  return n;
}
