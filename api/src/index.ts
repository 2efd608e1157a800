import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import { createApp } from "./app.js";
import type { ApiConfig } from "./config.js";
import type { ApiDeps, AppEnv } from "./context.js";
import { connectRedis } from "./db/connect-redis.js";
import { ensureDatabase, migrate } from "./db/migrate.js";
import { createSql } from "./db/sql.js";
import { startBulkActions } from "./bulk-actions/worker.js";
import { startPacketCleanup } from "./packets/cleanup.js";
import { startAlertDelivery } from "./alerts/delivery-worker.js";
import { startDeploymentTimeouts } from "./deployments/timeouts.js";
import { startScheduler } from "./schedules/scheduler.js";
import { startWaitpointTimers } from "./waitpoints/timers.js";
import { ConfigError } from "./errors.js";
import { createEngine } from "./engine/index.js";

export { createApp } from "./app.js";
export { loadConfig, type ApiConfig } from "./config.js";
export type { ApiDeps, AppEnv, AuthContext, AuthEnvironment } from "./context.js";

export interface StartedApi {
  url: string;
  deps: ApiDeps;
  close(): Promise<void>;
}

/**
 * Connects Postgres (creating the database and applying migrations) and Redis, starts the engine and serves
 * HTTP on `opts.port ?? config.PORT` (0: any free port). `mount` adds routes (e.g. the github-app's webhook).
 */
export async function startApi(
  config: ApiConfig,
  opts: { port?: number; mount?: (app: Hono<AppEnv>) => void } = {},
): Promise<StartedApi> {
  await ensureDatabase(config.DATABASE_URL);
  const sql = createSql(config.DATABASE_URL);
  try {
    await migrate(sql);
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw error;
  }
  let redis;
  try {
    redis = await connectRedis(config.REDIS_URL);
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw error;
  }

  const port = opts.port ?? config.PORT;
  // env: the node adapter's { incoming, outgoing } (http/read-json.ts reads bodies straight from `incoming`)
  let handler: ((req: Request, env?: unknown) => Response | Promise<Response>) | undefined;
  const { server, address } = await listen(port, config.HOST, (req, env) =>
    handler ? handler(req, env) : new Response(JSON.stringify({ error: "Starting up", code: "internal_error" }), { status: 503 }),
  );
  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "127.0.0.1" : config.HOST;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
  // With PORT=0 the public URL is only known now.
  const finalConfig: ApiConfig =
    config.GANTRY_PUBLIC_URL === undefined && address.port !== config.PORT ? Object.freeze({ ...config, publicUrl: url }) : config;
  const deps: ApiDeps = { config: finalConfig, sql, redis, clock: () => new Date() };

  const app = createApp(deps);
  opts.mount?.(app);
  handler = app.fetch;
  const engine = createEngine(deps);
  await engine.start();
  const stopDeploymentTimeouts = startDeploymentTimeouts(deps);
  const stopScheduler = startScheduler(deps);
  const stopBulkActions = startBulkActions(deps);
  const stopPacketCleanup = startPacketCleanup(deps);
  const stopWaitpointTimers = startWaitpointTimers(deps);
  const stopAlerts = startAlertDelivery(deps);

  let closing: Promise<void> | undefined;
  return {
    url,
    deps,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        await stopDeploymentTimeouts();
        await stopScheduler();
        await stopBulkActions();
        await stopPacketCleanup();
        await stopWaitpointTimers();
        await stopAlerts();
        await engine.stop();
        await redis.quit().catch(() => redis.disconnect());
        await sql.end({ timeout: 5 });
      })();
      return closing;
    },
  };
}

function listen(
  port: number,
  hostname: string,
  fetch: (req: Request, env?: unknown) => Response | Promise<Response>,
): Promise<{ server: ServerType; address: AddressInfo }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve({ server, address: server.address() as AddressInfo }));
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new ConfigError(`PORT ${port} is in use on ${hostname}: stop what holds it or set PORT to a free port`, { cause: error })
          : error,
      );
    });
  });
}
