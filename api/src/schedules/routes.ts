import { Hono } from "hono";
import { CreateScheduleRequestBody, UpdateScheduleRequestBody } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { readJson } from "../http/read-json.js";
import { supportedTimezones } from "./cron/zone-time.js";
import { changeSchedule, createSchedule, listSchedules, removeSchedule, retrieveSchedule, setActive } from "./service.js";

/** The reference's schedule endpoints (`schedules.*` of the official client) and `/api/v1/timezones`. */
export function schedulesRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["environment"]);

  app.post("/api/v1/schedules", auth, async (c) => {
    const body = await readJson(c, CreateScheduleRequestBody);
    return c.json(await createSchedule(c.get("deps"), authEnvironment(c.get("auth")), body));
  });

  app.get("/api/v1/schedules", auth, async (c) => {
    const { page, perPage } = c.req.query();
    return c.json(await listSchedules(c.get("deps"), authEnvironment(c.get("auth")), { page, perPage }));
  });

  app.get("/api/v1/schedules/:id", auth, async (c) =>
    c.json(await retrieveSchedule(c.get("deps"), authEnvironment(c.get("auth")), c.req.param("id"))),
  );

  app.put("/api/v1/schedules/:id", auth, async (c) => {
    const body = await readJson(c, UpdateScheduleRequestBody);
    return c.json(await changeSchedule(c.get("deps"), authEnvironment(c.get("auth")), c.req.param("id"), body));
  });

  app.post("/api/v1/schedules/:id/activate", auth, async (c) =>
    c.json(await setActive(c.get("deps"), authEnvironment(c.get("auth")), c.req.param("id"), true)),
  );

  app.post("/api/v1/schedules/:id/deactivate", auth, async (c) =>
    c.json(await setActive(c.get("deps"), authEnvironment(c.get("auth")), c.req.param("id"), false)),
  );

  app.delete("/api/v1/schedules/:id", auth, async (c) =>
    c.json(await removeSchedule(c.get("deps"), authEnvironment(c.get("auth")), c.req.param("id"))),
  );

  // public: the list is the same for everyone
  app.get("/api/v1/timezones", (c) => c.json({ timezones: supportedTimezones({ excludeUtc: c.req.query("excludeUtc") === "true" }) }));

  return app;
}
