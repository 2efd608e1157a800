#!/usr/bin/env node
// `npm start`: installs what is missing, makes sure Postgres and Redis answer, then hands over to the launcher
// (scripts/start.ts, run with tsx), forwarding Ctrl-C so everything stops cleanly.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
process.chdir(root);

const installed = existsSync("node_modules/.bin/tsx") && existsSync("node_modules/.package-lock.json");
const stale = installed && statSync("package-lock.json").mtimeMs > statSync("node_modules/.package-lock.json").mtimeMs + 1000;
if (!installed || stale) {
  console.log(installed ? "package-lock.json changed: installing dependencies (npm ci)..." : "Installing dependencies (npm ci)...");
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (result.status !== 0) {
    console.error("npm ci failed: see the output above (is the npm registry reachable?).");
    process.exit(1);
  }
}

const services = spawnSync("bash", ["scripts/ensure-services.sh"], { stdio: "inherit" });
if (services.status !== 0) process.exit(1);

const launcher = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts", ...process.argv.slice(2)], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => launcher.kill(signal));
launcher.on("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
