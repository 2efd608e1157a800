import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context.js";
import { requireAuth } from "../auth/middleware.js";
import { pathEnvironment } from "../projects/path-environment.js";
import { readJson } from "../http/read-json.js";
import { parseDotenv } from "./dotenv.js";
import { getEnvVar, listEnvVars, redact, removeEnvVar, setEnvVars, updateEnvVarValue } from "./service.js";

const CreateBody = z.object({ name: z.string().min(1), value: z.string(), isSecret: z.boolean().optional() });
const UpdateBody = z.object({ value: z.string() });
const ImportBody = z.object({
  /** an object, a list, or the text of a `.env` file */
  variables: z.union([z.record(z.string(), z.string()), z.array(z.object({ name: z.string(), value: z.string() })), z.string()]),
  override: z.boolean().optional(),
  isSecret: z.boolean().optional(),
});

/** The reference's env var endpoints, `/api/v1/projects/:ref/envvars/:env[/:name]`; PAT or the environment's key. */
export function envVarsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["user", "environment"], { branch: "ignore" });
  const base = "/api/v1/projects/:ref/envvars/:env";

  const environmentId = pathEnvironment;

  // a secret's value never leaves the api again (attempts still get it: resolveEnvVars)
  app.get(base, auth, async (c) => c.json((await listEnvVars(c.get("deps"), await environmentId(c))).map(redact)));

  app.post(base, auth, async (c) => {
    const body = await readJson(c, CreateBody);
    await setEnvVars(c.get("deps"), await environmentId(c), [{ name: body.name, value: body.value, isSecret: body.isSecret ?? false }], true);
    return c.json({ success: true });
  });

  app.post(`${base}/import`, auth, async (c) => {
    // a raw `.env` file (any non-JSON content type) or JSON
    const type = c.req.header("content-type") ?? "";
    const body = type.includes("json") || type === "" ? await readJson(c, ImportBody) : { variables: await c.req.text(), override: c.req.query("override") === "true", isSecret: c.req.query("isSecret") === "true" };
    const vars =
      typeof body.variables === "string"
        ? parseDotenv(body.variables)
        : Array.isArray(body.variables)
          ? body.variables
          : Object.entries(body.variables).map(([name, value]) => ({ name, value }));
    await setEnvVars(c.get("deps"), await environmentId(c), vars.map((v) => ({ ...v, isSecret: body.isSecret ?? false })), body.override ?? false);
    return c.json({ success: true });
  });

  app.get(`${base}/:name`, auth, async (c) => {
    const v = await getEnvVar(c.get("deps"), await environmentId(c), c.req.param("name"));
    return c.json(redact(v));
  });

  app.put(`${base}/:name`, auth, async (c) => {
    const body = await readJson(c, UpdateBody);
    await updateEnvVarValue(c.get("deps"), await environmentId(c), c.req.param("name"), body.value);
    return c.json({ success: true });
  });

  app.delete(`${base}/:name`, auth, async (c) => {
    await removeEnvVar(c.get("deps"), await environmentId(c), c.req.param("name"));
    return c.json({ success: true });
  });

  return app;
}
