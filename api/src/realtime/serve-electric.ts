import type { Context } from "hono";
import type { AppEnv } from "../context.js";
import { authEnvironment } from "../auth/middleware.js";
import { badRequest } from "../errors.js";
import { electricRunValue } from "./electric-shape.js";
import { realtimeHub, type HubSubscriber } from "./hub.js";
import { selectRunChanges, type RealtimeRunRow, type RunFilter } from "./queries/select-run-changes.js";

/** How long a live request waits for a change before answering "still up to date". */
const LONG_POLL_MS = 20_000;
const HANDLE = "gantry-runs";

/**
 * The official client's realtime (`runs.subscribeToRun` of @trigger.dev/sdk) speaks Electric's shape protocol
 * over long polls: `?offset=-1` returns the current rows, then `?live=true&offset=<o>&handle=<h>` waits for
 * changes. Gantry answers it from the same change cursor as its SSE endpoints: the offset is `<change_seq>_0`.
 * Values go without an `electric-schema` (`{}`), so the client takes them as sent.
 */
export async function serveElectricShape(c: Context<AppEnv>, filter: RunFilter): Promise<Response> {
  const environmentId = authEnvironment(c.get("auth")).id;
  const live = c.req.query("live") === "true";
  const after = parseOffset(c.req.query("offset") ?? "-1");
  const skip = (c.req.query("skipColumns") ?? "").split(",");
  const withPayloads = !skip.includes("payload") && !skip.includes("output");

  let rows = await readAll(c, environmentId, filter, after, withPayloads);
  if (live && rows.length === 0) {
    rows = await waitForChange(c, environmentId, filter, after, withPayloads);
  }
  const last = rows.reduce((max, r) => (BigInt(r.change_seq) > max ? BigInt(r.change_seq) : max), after < 0n ? 0n : after);
  const messages: unknown[] = rows.map((row) => ({
    key: `"public"."TaskRun"/"${row.id}"`,
    value: electricRunValue(row),
    headers: { operation: live ? "update" : "insert" },
  }));
  messages.push({ headers: { control: "up-to-date" } });
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "cache-control": "no-store",
    "electric-handle": HANDLE,
    "electric-offset": `${last}_0`,
    "electric-up-to-date": "",
    "access-control-expose-headers": "electric-handle, electric-offset, electric-schema, electric-cursor, electric-up-to-date",
  };
  if (live) headers["electric-cursor"] = String(Date.now());
  else headers["electric-schema"] = "{}";
  return new Response(JSON.stringify(messages), { status: 200, headers });
}

function parseOffset(offset: string): bigint {
  if (offset === "-1") return -1n;
  const match = offset.match(/^(\d{1,19})_\d+$/);
  if (!match) throw badRequest(`offset "${offset}" is not one this endpoint sent`, "offset");
  return BigInt(match[1]!);
}

async function readAll(c: Context<AppEnv>, environmentId: string, filter: RunFilter, after: bigint, withPayloads: boolean): Promise<RealtimeRunRow[]> {
  const out: RealtimeRunRow[] = [];
  let cursor = after < 0n ? 0n : after;
  for (;;) {
    const rows = await selectRunChanges(c.get("deps").sql, environmentId, filter, cursor, withPayloads);
    out.push(...rows);
    if (rows.length < 200) return out;
    cursor = BigInt(rows[rows.length - 1]!.change_seq);
  }
}

/** Holds a live request until the hub announces a change concerning it (or LONG_POLL_MS pass). */
async function waitForChange(c: Context<AppEnv>, environmentId: string, filter: RunFilter, after: bigint, withPayloads: boolean): Promise<RealtimeRunRow[]> {
  const hub = realtimeHub(c.get("deps"));
  let wake: () => void = () => {};
  const woken = new Promise<void>((resolve) => (wake = resolve));
  const waiter: HubSubscriber = {
    environmentId,
    ...(filter.kind === "run" ? { runId: filter.runId } : {}),
    wants: (kind) => kind === "run",
    wake: () => wake(),
    close: () => wake(),
  };
  const timer = setTimeout(() => wake(), LONG_POLL_MS);
  c.req.raw.signal?.addEventListener("abort", () => wake(), { once: true });
  try {
    await hub.add(waiter);
    // a change between the first read and subscribing would otherwise wait for the timeout
    const again = await readAll(c, environmentId, filter, after, withPayloads);
    if (again.length) return again;
    await woken;
    return await readAll(c, environmentId, filter, after, withPayloads);
  } finally {
    clearTimeout(timer);
    hub.remove(waiter);
  }
}
