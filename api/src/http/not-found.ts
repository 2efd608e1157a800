import type { Context } from "hono";
import type { AppEnv } from "../context.js";
import { serveDashboard } from "./dashboard.js";

/** Unmatched requests: the dashboard's pages and files, else 404 in the same `{ error, code }` shape as every error. */
export async function notFoundHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps") as AppEnv["Variables"]["deps"] | undefined;
  const page = deps ? await serveDashboard(c, deps.config.GANTRY_WEB_DIR) : undefined;
  return page ?? c.json({ error: `No route for ${c.req.method} ${c.req.path}`, code: "not_found" }, 404);
}
