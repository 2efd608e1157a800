import {
  CompleteWaitpointTokenResponse,
  CreateWaitpointTokenResponse,
  ListWaitpointTokensResponse,
  RetrieveWaitpointTokenResponse,
  type WaitpointTokenItem,
  type WaitpointTokenStatus,
} from "../contracts/index.js";
import { apiClient, type RequestOptions } from "../client/config.js";
import { BadRequestError } from "../client/errors.js";
import { resolveIdempotencyKey } from "../client/idempotency.js";
import { pagedList, type Page } from "../client/paginate.js";
import { publicTokenFor } from "../client/trigger.js";
import { currentExecution } from "../runtime/current.js";
import { durableStep, waitpointOutput } from "./steps.js";

/** The outcome of a wait for a token: its output, or (the only error) a timeout. */
export type WaitpointTokenResult<T> = { ok: true; output: T } | { ok: false; error: Error };

/** A promise of a token's outcome that can also `.unwrap()`: the output, or throws the timeout error. */
export type ManualWaitpointPromise<T> = Promise<WaitpointTokenResult<T>> & { unwrap(): Promise<T> };

/** The error of a token that timed out before anyone completed it. */
export class WaitpointTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WaitpointTimeoutError";
  }
}

export interface WaitIdempotency {
  /** the same key (e.g. on a retry) skips a wait that already happened */
  idempotencyKey?: string | string[];
  idempotencyKeyTTL?: string;
}

export interface CreateTokenOptions extends WaitIdempotency {
  /** "30s", "10m", "4w" or a Date; default "10m". Past it, waiting runs resume with `{ ok: false }` */
  timeout?: string | Date;
  tags?: string | string[];
}

export interface WaitpointToken {
  id: string;
  /** POST any JSON here (no credentials needed) to complete the token with it */
  url: string;
  isCached: boolean;
  /** a token with `write:waitpoints:<id>` for a frontend (`useWaitToken`) */
  publicAccessToken: string;
}

export interface ListTokensOptions {
  status?: WaitpointTokenStatus | WaitpointTokenStatus[];
  idempotencyKey?: string;
  tags?: string | string[];
  period?: string;
  from?: Date | number;
  to?: Date | number;
  limit?: number;
}

type Duration = { seconds?: number; minutes?: number; hours?: number; days?: number; weeks?: number; months?: number; years?: number };

function durationMs(d: Duration): number {
  const s = d.seconds ?? 0;
  const m = d.minutes ?? 0;
  const h = d.hours ?? 0;
  const days = (d.days ?? 0) + (d.weeks ?? 0) * 7 + (d.months ?? 0) * 30 + (d.years ?? 0) * 365;
  return ((days * 24 + h) * 60 + m) * 60_000 + s * 1000;
}

async function waitUntilDate(fn: string, date: Date, options: WaitIdempotency & { throwIfInThePast?: boolean }): Promise<void> {
  const key = await resolveIdempotencyKey(options.idempotencyKey);
  const wait = {
    type: "duration" as const,
    date,
    ...(key ? { idempotencyKey: key.idempotencyKey } : {}),
    ...(options.idempotencyKeyTTL ? { idempotencyKeyTTL: options.idempotencyKeyTTL } : {}),
    ...(options.throwIfInThePast ? { throwIfInThePast: true } : {}),
  };
  try {
    await durableStep(fn, wait, () => ({ type: "duration", date }));
  } catch (error) {
    // the api checks a new step's date (a replay past the date answers from the record): the reference's error
    if (error instanceof BadRequestError && error.param === "wait.date") throw new Error("Date is in the past");
    throw error;
  }
}

/**
 * Pauses the run for a while. The run is WAITING meanwhile (no concurrency slot); it continues on the line
 * after the wait, and code before it does not run again.
 *
 * @example
 * import { task, wait } from "@gantry/sdk";
 * export const reminder = task({ id: "reminder", run: async () => { await wait.for({ hours: 1 }); } });
 */
async function waitFor(duration: Duration, options: WaitIdempotency = {}): Promise<void> {
  await waitUntilDate("wait.for()", new Date(Date.now() + durationMs(duration)), options);
}

/**
 * Pauses the run until a date. `throwIfInThePast` throws "Date is in the past" for a date already passed when
 * the run first gets here (otherwise it returns at once); a replay of the run passes a wait it already did.
 *
 * @example
 * await wait.until({ date: new Date("2030-01-01T00:00:00Z") });
 */
async function waitUntil(options: { date: Date; throwIfInThePast?: boolean } & WaitIdempotency): Promise<void> {
  await waitUntilDate("wait.until()", options.date, options);
}

/**
 * Creates a token a run can wait for until someone completes it (`wait.completeToken`, a POST to its `url`,
 * or plain HTTP). Works inside a task (a replayed attempt gets the same token) and in your backend.
 *
 * @example
 * const token = await wait.createToken({ timeout: "1h", tags: ["approval"] });
 * await sendForApproval(token.url);
 * const result = await wait.forToken<{ approved: boolean }>(token).unwrap();
 */
async function createToken(options: CreateTokenOptions = {}, requestOptions?: RequestOptions): Promise<WaitpointToken> {
  const key = await resolveIdempotencyKey(options.idempotencyKey);
  const body = {
    ...(key ? { idempotencyKey: key.idempotencyKey } : {}),
    ...(options.idempotencyKeyTTL ? { idempotencyKeyTTL: options.idempotencyKeyTTL } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.tags !== undefined ? { tags: options.tags } : {}),
  };
  if (currentExecution()?.steps) {
    const { response } = await durableStep("wait.createToken()", { type: "createToken", token: body }, () => ({ type: "token", token: "" }));
    if (response.status !== "TOKEN") throw new Error("wait.createToken(): unexpected answer from the api");
    // a run's token cannot sign one: the api sends the token's public access token
    return { ...response.token, publicAccessToken: response.token.publicAccessToken ?? "" };
  }
  const client = apiClient(requestOptions);
  const { data, headers } = await client.request(CreateWaitpointTokenResponse, "POST", "/api/v1/waitpoints/tokens", { body });
  const publicAccessToken = await publicTokenFor(headers, client.accessToken, !client.options.insideTask, [`write:waitpoints:${data.id}`], 24 * 3600);
  return { ...data, publicAccessToken };
}

/**
 * Waits until the token is completed (or times out). Inside a task only.
 *
 * @example
 * const result = await wait.forToken<{ approved: boolean }>(tokenId);
 * if (result.ok) console.log(result.output.approved); else console.log("timed out");
 */
function forToken<T = unknown>(token: string | { id: string }): ManualWaitpointPromise<T> {
  const tokenId = typeof token === "string" ? token : token.id;
  const promise = (async (): Promise<WaitpointTokenResult<T>> => {
    const { result } = await durableStep("wait.forToken()", { type: "token", tokenId }, () => ({ type: "token", token: tokenId }));
    if (!result) throw new Error("wait.forToken(): the api gave no result");
    const value = waitpointOutput(result);
    if (result.isError) {
      const message = value && typeof value === "object" && "message" in value ? String((value as { message: unknown }).message) : "The waitpoint token timed out";
      return { ok: false, error: new WaitpointTimeoutError(message) };
    }
    return { ok: true, output: value as T };
  })();
  return Object.assign(promise, {
    unwrap: async () => {
      const r = await promise;
      if (!r.ok) throw r.error;
      return r.output;
    },
  });
}

/**
 * Completes a token: every run waiting for it continues with `output`. Works anywhere.
 *
 * @example
 * await wait.completeToken<{ approved: boolean }>(tokenId, { approved: true });
 */
async function completeToken<T = unknown>(token: string | { id: string }, output: T, requestOptions?: RequestOptions): Promise<{ success: true }> {
  const tokenId = typeof token === "string" ? token : token.id;
  const { data } = await apiClient(requestOptions).request(
    CompleteWaitpointTokenResponse,
    "POST",
    `/api/v1/waitpoints/tokens/${encodeURIComponent(tokenId)}/complete`,
    { body: { data: output } },
  );
  return data;
}

/**
 * Lists the environment's tokens, newest first: await the first page or `for await` every token.
 *
 * @example
 * for await (const token of wait.listTokens({ status: "WAITING", tags: ["approval"] })) console.log(token.id);
 */
function listTokens(options: ListTokensOptions = {}, requestOptions?: RequestOptions) {
  const fetchPage = async (cursor?: string): Promise<Page<WaitpointTokenItem>> => {
    const query = new URLSearchParams();
    if (options.status) query.set("filter[status]", [options.status].flat().join(","));
    if (options.idempotencyKey) query.set("filter[idempotencyKey]", options.idempotencyKey);
    if (options.tags) query.set("filter[tags]", [options.tags].flat().join(","));
    if (options.period) query.set("filter[createdAt][period]", options.period);
    if (options.from !== undefined) query.set("filter[createdAt][from]", String(options.from instanceof Date ? options.from.getTime() : options.from));
    if (options.to !== undefined) query.set("filter[createdAt][to]", String(options.to instanceof Date ? options.to.getTime() : options.to));
    if (options.limit) query.set("page[size]", String(options.limit));
    if (cursor) query.set("page[after]", cursor);
    const { data } = await apiClient(requestOptions).request(ListWaitpointTokensResponse, "GET", "/api/v1/waitpoints/tokens", { query });
    return {
      data: data.data,
      hasNextPage: () => data.pagination.next !== undefined,
      getNextPage: () => fetchPage(data.pagination.next),
    };
  };
  return pagedList<Page<WaitpointTokenItem>, WaitpointTokenItem>(fetchPage());
}

/**
 * A token with its status and, once completed, its output.
 *
 * @example
 * const token = await wait.retrieveToken(tokenId);
 * if (token.status === "COMPLETED") console.log(token.output);
 */
async function retrieveToken<T = unknown>(token: string | { id: string }, requestOptions?: RequestOptions) {
  const tokenId = typeof token === "string" ? token : token.id;
  const { data } = await apiClient(requestOptions).request(RetrieveWaitpointTokenResponse, "GET", `/api/v1/waitpoints/tokens/${encodeURIComponent(tokenId)}`);
  const { output, outputType, outputIsError, ...item } = data;
  const value = output !== undefined ? waitpointOutput({ id: data.id, output, outputType: outputType ?? "application/json", isError: !!outputIsError }) : undefined;
  return outputIsError ? { ...item, error: new WaitpointTimeoutError(String((value as { message?: unknown })?.message ?? "timed out")) } : { ...item, output: value as T | undefined };
}

/**
 * Durable waits (the reference's `wait`): `for`, `until`, tokens (`createToken`, `forToken`, `completeToken`,
 * `listTokens`, `retrieveToken`). A waiting run holds no concurrency slot; see the SDK README for what
 * happens to code around a wait when a process is lost.
 *
 * @example
 * import { wait } from "@gantry/sdk";
 * await wait.for({ seconds: 30 });
 */
export const wait = { for: waitFor, until: waitUntil, createToken, forToken, completeToken, listTokens, retrieveToken };
