#!/usr/bin/env node
// `npm test`: the type-check, the dependency-edge check, then every package's tests (vitest, real Postgres and Redis).
// Ends with one plain summary line ("Tests: N passed, N failed, N skipped").
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, existsSync } from "node:fs";

const bin = (name) => `node_modules/.bin/${name}`;
const run = (label, cmd, args) => {
  console.log(`\n--- ${label}`);
  const result = spawnSync(cmd, args, { stdio: "inherit" });
  return result.status ?? 1;
};

if (!existsSync(bin("vitest"))) {
  console.error("Dependencies are not installed: run `npm ci` (or `npm start`, which installs them) first.");
  process.exit(1);
}

let failed = 0;
failed += run("type-check (tsc)", bin("tsc"), ["-p", "tsconfig.json", "--noEmit"]) === 0 ? 0 : 1;
failed += run("dependency edges (DESIGN.md)", bin("tsx"), ["scripts/check-deps.ts"]) === 0 ? 0 : 1;

mkdirSync("test-output", { recursive: true });
const extra = process.argv.slice(2);
const vitestStatus = run("tests (vitest)", bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  "--outputFile.json=test-output/vitest.json",
  ...extra,
]);

let summary = "Tests: no report";
try {
  const report = JSON.parse(readFileSync("test-output/vitest.json", "utf8"));
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  summary = `Tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`;
  if (report.numTotalTests === 0) failed += 1;
} catch {
  failed += 1;
}
if (vitestStatus !== 0) failed += 1;
if (failed > 0) console.error(`\n${failed} step(s) failed.`);
console.log(`\n${summary}`);
process.exit(failed > 0 ? 1 : 0);
