import { WAITPOINT_TOKEN_STATUSES, parseDurationMs } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { ApiError } from "../errors.js";
import { col } from "../batching/arrays.js";
import { tokenItem } from "./present.js";
import type { WaitpointRow } from "./queries/waitpoints.js";

const invalid = (param: string, message: string) => new ApiError(400, "invalid_param", message, param);
const list = (v: string | undefined) => (v === undefined ? undefined : v.split(",").map((s) => s.trim()).filter(Boolean));

function date(value: string | undefined, param: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  if (Number.isNaN(d.getTime())) throw invalid(param, `${param} must be epoch milliseconds or an ISO date`);
  return d;
}

/**
 * GET /api/v1/waitpoints/tokens: newest first, cursor pages (`page[size]`, `page[after]`, `page[before]`; the
 * cursor is a token id), filters `filter[status]` (WAITING, COMPLETED, TIMED_OUT), `filter[idempotencyKey]`,
 * `filter[tags]`, `filter[createdAt][period|from|to]`.
 */
export async function listTokens(deps: ApiDeps, environmentId: string, query: Record<string, string>) {
  const sql = deps.sql;
  const size = query["page[size]"] === undefined ? 25 : Number(query["page[size]"]);
  if (!Number.isInteger(size) || size < 1 || size > 100) throw invalid("page[size]", "page[size] must be an integer from 1 to 100");
  const statuses = list(query["filter[status]"]);
  const bad = statuses?.find((s) => !(WAITPOINT_TOKEN_STATUSES as readonly string[]).includes(s));
  if (bad) throw invalid("filter[status]", `Unknown status "${bad}": use ${WAITPOINT_TOKEN_STATUSES.join(", ")}`);
  const tags = list(query["filter[tags]"]);
  const period = query["filter[createdAt][period]"];
  let from = date(query["filter[createdAt][from]"], "filter[createdAt][from]");
  const to = date(query["filter[createdAt][to]"], "filter[createdAt][to]");
  if (period !== undefined) {
    const ms = parseDurationMs(period);
    if (ms === undefined) throw invalid("filter[createdAt][period]", `Invalid period "${period}": use 1h, 1d, 7d or 30d`);
    from = new Date(deps.clock().getTime() - ms);
  }
  const after = query["page[after]"];
  const before = query["page[before]"];

  const conds = [sql`w.environment_id = ${environmentId}`, sql`w.kind = 'MANUAL'`];
  if (statuses) {
    const parts = statuses.map((s) =>
      s === "WAITING" ? sql`w.status = 'PENDING'` : s === "COMPLETED" ? sql`(w.status = 'COMPLETED' and not w.output_is_error)` : sql`(w.status = 'COMPLETED' and w.output_is_error)`,
    );
    conds.push(parts.reduce((a, b) => sql`${a} or ${b}`));
    conds[conds.length - 1] = sql`(${conds[conds.length - 1]!})`;
  }
  const key = query["filter[idempotencyKey]"];
  if (key) conds.push(sql`w.idempotency_key = ${key}`);
  if (tags) conds.push(sql`w.tags && ${col(sql, tags)}::text[]`);
  if (from) conds.push(sql`w.created_at >= ${from}`);
  if (to) conds.push(sql`w.created_at <= ${to}`);
  const cursorId = after ?? before;
  if (cursorId) {
    const cmp = after ? sql`<` : sql`>`;
    conds.push(sql`(w.created_at, w.id) ${cmp} (select c.created_at, c.id from waitpoints c where c.id = ${cursorId} and c.environment_id = ${environmentId})`);
  }
  const where = conds.reduce((a, b) => sql`${a} and ${b}`);
  const order = before ? sql`w.created_at asc, w.id asc` : sql`w.created_at desc, w.id desc`;
  const rows = await sql<WaitpointRow[]>`select w.* from waitpoints w where ${where} order by ${order} limit ${size + 1}`;
  const more = rows.length > size;
  const page = rows.slice(0, size);
  if (before) page.reverse();
  const first = page[0];
  const last = page[page.length - 1];
  const pagination: { next?: string; previous?: string } = {};
  if (last && (before ? true : more)) pagination.next = last.id;
  if (first && (after ? true : before ? more : false)) pagination.previous = first.id;
  return { data: page.map((r) => tokenItem(deps.config, r)), pagination };
}
