import { Hono, type Context } from "hono";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { PRESIGNED_PREFIX } from "./signing.js";
import {
  createDownloadUrl,
  createRunFieldUrl,
  createUploadUrl,
  getSignedPacket,
  getSignedRunField,
  putSignedPacket,
} from "./service.js";
import type { StoredPacket } from "./queries/packets.js";

const signedQuery = (c: Context<AppEnv>) => ({ expires: c.req.query("expires"), signature: c.req.query("signature") });

/** The bytes exactly, typed exactly (the official client decodes by content-type, with no charset parameter). */
const packetResponse = (c: Context<AppEnv>, packet: StoredPacket) =>
  c.body(new Uint8Array(packet.content), 200, { "content-type": packet.content_type, "cache-control": "private, no-store" });

/**
 * Large payloads and outputs (wire-format.md §3.3): presigned upload and download URLs for the official client,
 * and the presigned URLs themselves, served here (no auth: the HMAC signature and expiry are the credential).
 */
export function packetsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["environment", "run"]);

  app.put("/api/v2/packets/:path{.+}", auth, (c) =>
    c.json(createUploadUrl(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.param("path"))),
  );
  app.get("/api/v1/packets/:path{.+}", auth, async (c) =>
    c.json(await createDownloadUrl(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.param("path"))),
  );
  app.get("/api/v1/runs/:runId/packets/:field", auth, async (c) =>
    c.json(await createRunFieldUrl(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.param("runId"), c.req.param("field"))),
  );

  app.put(`${PRESIGNED_PREFIX}/packets/:environmentId/:path{.+}`, async (c) => {
    const target = { environmentId: c.req.param("environmentId"), path: c.req.param("path") };
    await putSignedPacket(c.get("deps"), target, signedQuery(c), c.req.header("content-type"), c.req.raw.body);
    return c.body(null, 200);
  });
  app.get(`${PRESIGNED_PREFIX}/packets/:environmentId/:path{.+}`, async (c) => {
    const target = { environmentId: c.req.param("environmentId"), path: c.req.param("path") };
    return packetResponse(c, await getSignedPacket(c.get("deps"), target, signedQuery(c)));
  });
  app.get(`${PRESIGNED_PREFIX}/runs/:runId/:field{payload|output}`, async (c) => {
    const target = { runId: c.req.param("runId"), field: c.req.param("field") as "payload" | "output" };
    return packetResponse(c, await getSignedRunField(c.get("deps"), target, signedQuery(c)));
  });
  return app;
}
