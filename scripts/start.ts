// The launcher behind `npm start`: the one place that wires several packages into one process tree.
// Database + migrations + demo seed, then api and runner as supervised child processes, then `examples/`
// deployed to prod; prints the dashboard URL, the keys and a curl line, and writes .gantry/demo.json last.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { loadConfig } from "../api/src/config.js";
import { createSql } from "../api/src/db/sql.js";
import { ensureDatabase, migrate } from "../api/src/db/migrate.js";
import { seedDemo } from "../api/src/seed/seed-demo.js";
import { packPackages } from "../builder/src/pack/pack-packages.js";
import { deploy } from "../builder/src/deploy/deploy.js";
import { buildDashboard } from "../web/src/build.js";
import { Supervisor } from "./supervisor.js";

const ROOT = resolve(import.meta.dirname, "..");
const STATE_DIR = join(ROOT, ".gantry");

function secrets(): { encryptionKey: string } {
  const path = join(STATE_DIR, "secrets.json");
  if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8"));
  const created = { encryptionKey: randomBytes(32).toString("hex") };
  writeFileSync(path, JSON.stringify(created, null, 2), { mode: 0o600 });
  return created;
}

async function main() {
  mkdirSync(STATE_DIR, { recursive: true });
  const env: Record<string, string | undefined> = {
    ...process.env,
    GANTRY_ENCRYPTION_KEY: process.env.GANTRY_ENCRYPTION_KEY ?? secrets().encryptionKey,
    GANTRY_PACKAGES_DIR: process.env.GANTRY_PACKAGES_DIR ?? join(STATE_DIR, "packages"),
  };
  const config = loadConfig(env);
  const apiUrl = config.publicUrl;

  step("Preparing the database", config.DATABASE_URL.replace(/\/\/[^@]*@/, "//"));
  await ensureDatabase(config.DATABASE_URL);
  const sql = createSql(config.DATABASE_URL, { max: 2 });
  await migrate(sql);
  const seed = await seedDemo({ config, sql, redis: undefined as never, clock: () => new Date() });
  await sql.end({ timeout: 5 });

  step("Packing @gantry/sdk and the gantry CLI", "served by the api at /packages/");
  await packPackages(config.GANTRY_PACKAGES_DIR);
  step("Building the dashboard");
  await buildDashboard(resolve(ROOT, config.GANTRY_WEB_DIR));

  const supervisor = new Supervisor();
  const childEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  supervisor.add({ name: "api", script: "api/src/main.ts", env: childEnv });
  supervisor.add({
    name: "runner",
    script: "runner/src/main.ts",
    env: { ...withoutSecrets(childEnv), GANTRY_API_URL: `http://127.0.0.1:${config.PORT}`, GANTRY_RUNNER_TOKEN: seed.runnerToken },
  });
  const stop = async (signal: string) => {
    console.log(`\n${signal}: stopping api and runner...`);
    await supervisor.stopAll();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  step("Starting api and runner");
  supervisor.start("api");
  await waitForHealth(`http://127.0.0.1:${config.PORT}/healthz`);
  supervisor.start("runner");

  step("Deploying examples/ to prod");
  const deployment = await deploy({
    cwd: join(ROOT, "examples"),
    apiUrl: `http://127.0.0.1:${config.PORT}`,
    accessToken: seed.accessToken,
    env: "prod",
    onProgress: (event: { message?: string } | string) => console.log(`  ${typeof event === "string" ? event : (event.message ?? "")}`),
  });

  const demo = {
    apiUrl,
    dashboardUrl: `${apiUrl}/`,
    projectRef: seed.projectRef,
    accessToken: seed.accessToken,
    secretKeys: {
      dev: seed.environments.dev.apiKey,
      staging: seed.environments.staging.apiKey,
      prod: seed.environments.prod.apiKey,
      preview: seed.environments.preview.apiKey,
    },
    deployedVersion: deployment.version,
  };
  writeFileSync(join(STATE_DIR, "demo.json"), JSON.stringify(demo, null, 2) + "\n", { mode: 0o600 });

  console.log(`
Gantry is running.

  Dashboard     ${demo.dashboardUrl}
  API           ${apiUrl}
  Project       ${seed.projectRef} (examples/ deployed to prod as version ${deployment.version})
  Secret keys   dev      ${demo.secretKeys.dev}
                staging  ${demo.secretKeys.staging}
                prod     ${demo.secretKeys.prod}
                preview  ${demo.secretKeys.preview}
  CLI token     ${seed.accessToken}   (gantry login --api-url ${apiUrl} --token ...)

Trigger a task:
  curl -s -X POST ${apiUrl}/api/v1/tasks/hello-world/trigger \\
    -H "Authorization: Bearer ${demo.secretKeys.prod}" -H "Content-Type: application/json" \\
    -d '{"payload":{"name":"Ada"}}'
Read the run back:
  curl -s ${apiUrl}/api/v3/runs/<run id> -H "Authorization: Bearer ${demo.secretKeys.prod}"

These are in .gantry/demo.json. Ctrl-C stops everything.
`);
}

function withoutSecrets(env: Record<string, string>): Record<string, string> {
  const { DATABASE_URL: _db, GANTRY_ENCRYPTION_KEY: _key, ...rest } = env;
  return rest;
}

function step(title: string, detail?: string) {
  console.log(`\n▸ ${title}${detail ? ` (${detail})` : ""}`);
}

async function waitForHealth(url: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The api did not become healthy at ${url} within ${timeoutMs / 1000}s (last answer: ${last}). See the [api] lines above.`);
}

main().catch((error) => {
  console.error(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
