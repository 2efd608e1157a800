// The api in its own process, as in production: `node --import tsx bench/gantry/api-child.ts`.
// Env: the api's own variables (DATABASE_URL, REDIS_URL, GANTRY_*), PORT=0 for a free port.
import { loadConfig } from "../../api/src/config.js";
import { startApi } from "../../api/src/index.js";
import { seedDemo } from "../../api/src/seed/seed-demo.js";
import { onShutdown, send } from "./child-protocol.js";

try {
  const config = loadConfig(process.env);
  const api = await startApi(config, { port: config.PORT });
  const seed = await seedDemo(api.deps);
  onShutdown(() => api.close());
  send({ type: "ready", url: api.url, seed });
} catch (error) {
  send({ type: "error", message: (error as Error).stack ?? String(error) });
  process.exit(1);
}
