import { Hono } from "hono";
import { CreateTokenRequestBody } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { requireAuth } from "../auth/middleware.js";
import { readJson } from "../http/read-json.js";
import { createPersonalAccessToken } from "./service.js";

/** `POST /api/v1/tokens` (PAT): a new personal access token for the caller, shown once. */
export function tokensRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/api/v1/tokens", requireAuth(["user"]), async (c) => {
    const auth = c.get("auth");
    if (auth.kind !== "user") throw new Error("unreachable");
    const body = await readJson(c, CreateTokenRequestBody);
    return c.json(await createPersonalAccessToken(c.get("deps"), auth.userId, body.name), 201);
  });
  return app;
}
