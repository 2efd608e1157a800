// The launcher behind `npm start`: the one place that wires several packages into one process tree.
// Database + migrations + demo seed, then api and runner as supervised child processes, then `examples/`
// deployed to prod; prints the dashboard URL, the keys and curl lines for the examples (scripts/demo-commands.ts),
// and writes .gantry/demo.json last.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { loadConfig } from "../api/src/config.js";
import { createSql } from "../api/src/db/sql.js";
import { ensureDatabase, migrate } from "../api/src/db/migrate.js";
import { seedDemo } from "../api/src/seed/seed-demo.js";
import { issueGitHubServiceToken } from "../api/src/github/service-token.js";
import { loadAppCredentials } from "../api/src/github/app-credentials.js";
import { ensureAdminAccount } from "../api/src/dashboard/admin-account.js";
import { packPackages } from "../builder/src/pack/pack-packages.js";
import { deploy } from "../builder/src/deploy/deploy.js";
import { buildDashboard } from "../web/src/build.js";
import { Supervisor } from "./supervisor.js";
import { demoRequests, toCurl, type DemoRequest } from "./demo-commands.js";

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
  const deps = { config, sql, redis: undefined as never, clock: () => new Date() };
  const seed = await seedDemo(deps);
  // [W dashboard] the local admin account: kept while .gantry/demo.json's credentials still sign in, else (re)created
  const admin = await ensureAdminAccount(deps, { organizationId: seed.organizationId, known: previousDemo()?.admin });
  const githubServiceToken = await issueGitHubServiceToken(deps);
  const github = await githubAppEnv(env, () => loadAppCredentials(deps));
  const githubEnv = github.vars;
  await sql.end({ timeout: 5 });

  step("Packing @gantry/sdk and the gantry CLI", "served by the api at /packages/");
  await packPackages(config.GANTRY_PACKAGES_DIR);
  step("Building the dashboard");
  await buildDashboard(resolve(ROOT, config.GANTRY_WEB_DIR));

  const supervisor = new Supervisor();
  const childEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const githubShared = { ...githubEnv, GANTRY_GITHUB_SERVICE_TOKEN: githubServiceToken };
  supervisor.add({ name: "api", script: "scripts/api-process.ts", env: { ...childEnv, ...githubShared } });
  if (githubEnv.APP_ID) {
    supervisor.add({
      name: "builds",
      script: "builder/src/build-worker/main.ts",
      env: { ...withoutSecrets(childEnv), ...githubShared, GANTRY_API_URL: `http://127.0.0.1:${config.PORT}` },
    });
  }
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
  process.on("SIGHUP", () => void stop("SIGHUP"));

  step("Starting api and runner");
  supervisor.start("api");
  await waitForHealth(`http://127.0.0.1:${config.PORT}/healthz`);
  supervisor.start("runner");
  if (githubEnv.APP_ID) supervisor.start("builds");

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
    admin: { email: admin.email, password: admin.password },
  };
  writeFileSync(join(STATE_DIR, "demo.json"), JSON.stringify(demo, null, 2) + "\n", { mode: 0o600 });
  const curl = (request: DemoRequest) => toCurl(apiUrl, demo.secretKeys.prod, request);

  console.log(`
Gantry is running.

  Dashboard     ${demo.dashboardUrl}
  Admin         ${admin.email}   ${admin.created ? `password ${admin.password}   (new: shown once, kept in .gantry/demo.json)` : "(password in .gantry/demo.json)"}
  API           ${apiUrl}
  Project       ${seed.projectRef} (examples/ deployed to prod as version ${deployment.version})
  Secret keys   dev      ${demo.secretKeys.dev}
                staging  ${demo.secretKeys.staging}
                prod     ${demo.secretKeys.prod}
                preview  ${demo.secretKeys.preview}
  CLI token     ${seed.accessToken}   (gantry login --api-url ${apiUrl} --token ...)

Trigger a task:
${curl(demoRequests.helloWorld())}
Read the run back (status, output, metadata):
${curl(demoRequests.readRun())}
Process an order: one child run per item, 2 packing at a time per customer (the run's page shows them):
${curl(demoRequests.processOrder())}
Trigger a batch in one request: two customers' orders side by side, and a streamed summary:
${curl(demoRequests.batch())}
Ask for a refund approval: the run waits for you. Read it back: its metadata.tokenId is the token to complete:
${curl(demoRequests.approveRefund())}
${curl(demoRequests.completeToken())}

GitHub: ${githubEnv.APP_ID ? `App ${githubEnv.APP_ID} (${github.source}) receives webhooks at ${apiUrl}/api/github/webhooks; the build worker is running.` : `no App configured: create one at ${apiUrl}/github/setup, set APP_ID/PRIVATE_KEY/WEBHOOK_SECRET, or try it locally with npm run github:sim.`}

These are in .gantry/demo.json. Ctrl-C stops everything.
`);
}

/** [W dashboard] the admin credentials recorded by the previous start, if any */
function previousDemo(): { admin?: { email?: string; password?: string } } | undefined {
  try {
    return JSON.parse(readFileSync(join(STATE_DIR, "demo.json"), "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * The GitHub App's settings, first found wins: Probot's variables in the environment; an App created through
 * the manifest flow (stored encrypted by the api); the local simulator's (.gantry/github-sim.json, written by
 * `npm run github:sim`).
 */
async function githubAppEnv(
  env: Record<string, string | undefined>,
  stored: () => Promise<{ appId: number; privateKey: string; webhookSecret: string } | undefined>,
): Promise<{ vars: Record<string, string>; source?: string }> {
  const pick = (keys: string[]) => Object.fromEntries(keys.filter((k) => env[k]).map((k) => [k, env[k]!]));
  if (env.APP_ID) return { vars: pick(["APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET", "GHE_HOST", "GHE_PROTOCOL"]), source: "environment" };
  const creds = await stored();
  if (creds) {
    const vars = { APP_ID: String(creds.appId), PRIVATE_KEY: creds.privateKey, WEBHOOK_SECRET: creds.webhookSecret, ...pick(["GHE_HOST", "GHE_PROTOCOL"]) };
    return { vars, source: "created with the manifest flow" };
  }
  const simPath = join(STATE_DIR, "github-sim.json");
  if (existsSync(simPath)) return { vars: JSON.parse(readFileSync(simPath, "utf8")) as Record<string, string>, source: "the local simulator" };
  return { vars: {} };
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
