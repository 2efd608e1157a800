import { Hono } from "hono";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "./middleware.js";

/**
 * `POST /api/v1/auth/jwt/claims`: the official client calls it before signing a public access token itself;
 * it puts these claims in the token, and we verify the token with that environment's key.
 */
export function authRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/api/v1/auth/jwt/claims", requireAuth(["environment"]), (c) => {
    const auth = c.get("auth");
    if (auth.kind === "environment" && auth.via === "publicToken") {
      return c.json({ error: "A public access token cannot mint claims: use the secret key", code: "forbidden" }, 403);
    }
    return c.json({ sub: authEnvironment(auth).id, pub: true });
  });
  return app;
}
