import { Hono, type Context } from "hono";
import { RUNNER_API_PREFIX } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { requireAuth } from "../auth/middleware.js";
import { getArtifact, putArtifact } from "./service.js";
import { readBodyLimited } from "../http/read-body-limited.js";

/** Content-addressed bundles: upload (deploys), download (runners, CLI). */
export function artifactsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.put("/api/v1/artifacts/:hash", requireAuth(["user", "environment"], { branch: "ignore" }), async (c) => {
    const deps = c.get("deps");
    const content = await readBodyLimited(
      c.req.raw.body,
      deps.config.GANTRY_ARTIFACT_MAX_BYTES,
      `Artifact exceeds ${deps.config.GANTRY_ARTIFACT_MAX_BYTES} bytes: raise GANTRY_ARTIFACT_MAX_BYTES on the api, or mark large dependencies external`,
    );
    return c.json(await putArtifact(deps, c.req.param("hash"), content), 201);
  });

  const download = async (c: Context<AppEnv>) => {
    const hash = c.req.param("hash") ?? "";
    const content = await getArtifact(c.get("deps"), c.get("auth"), hash);
    return c.body(new Uint8Array(content), 200, {
      "content-type": "application/json",
      etag: `"${hash}"`,
      "cache-control": "private, max-age=31536000, immutable",
    });
  };
  app.get("/api/v1/artifacts/:hash", requireAuth(["user", "environment"], { branch: "ignore" }), download);
  app.get(`${RUNNER_API_PREFIX}/artifacts/:hash`, requireAuth(["runner", "environment"], { branch: "ignore" }), download);
  return app;
}
