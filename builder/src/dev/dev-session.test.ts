import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../../../api/src/testing/harness.js";
import { startDevSession, type DevSession } from "./dev-session.js";

const BUILDER = fileURLToPath(new URL("../../", import.meta.url));

let api: TestApi;
let session: DevSession | undefined;
let dir: string;
const lines: string[] = [];

beforeAll(async () => {
  api = await startTestApi();
  // A copy inside the repo so it resolves the workspace's @gantry/sdk; edited by the tests.
  dir = mkdtempSync(join(BUILDER, "test/.tmp-dev-"));
  cpSync(join(BUILDER, "test/fixtures/basic"), dir, { recursive: true, filter: (src) => !src.includes(".gantry") });
  writeFileSync(
    join(dir, "src/trigger/env-echo.ts"),
    `import { task } from "@gantry/sdk";\nexport const envEcho = task({ id: "env-echo", run: async () => ({ fromEnvFile: process.env.FROM_ENV_FILE ?? null, version: 1 }) });\n`,
  );
});
afterAll(async () => {
  await session?.close();
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function trigger(taskId: string, payload: unknown): Promise<string> {
  const res = await fetch(`${api.url}/api/v1/tasks/${taskId}/trigger`, {
    method: "POST",
    headers: { authorization: `Bearer ${api.seed.environments.dev.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ payload }),
  });
  expect(res.status).toBeLessThan(300);
  return ((await res.json()) as { id: string }).id;
}

async function finished(runId: string): Promise<{ status: string; output?: unknown; version?: string }> {
  for (let i = 0; i < 300; i++) {
    const res = await fetch(`${api.url}/api/v3/runs/${runId}`, { headers: { authorization: `Bearer ${api.seed.environments.dev.apiKey}` } });
    const run = (await res.json()) as { status: string; isCompleted: boolean; output?: unknown; version?: string };
    if (run.isCompleted) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} did not finish`);
}

describe("gantry dev session", () => {
  it("registers a dev version, executes the member's dev runs locally with --env-file variables, and prints dashboard links", async () => {
    session = await startDevSession({
      cwd: dir,
      projectRef: api.seed.projectRef,
      apiUrl: api.url,
      accessToken: api.seed.accessToken,
      envVars: { FROM_ENV_FILE: "yes" },
      watch: false,
      claimWaitMs: 1000,
      heartbeatIntervalMs: 500,
      logger: { log: (m) => lines.push(m), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`), debug: () => {} },
    });
    expect(session.currentVersion).toMatch(/^\d{8}\.1$/);

    const runId = await trigger("env-echo", {});
    const run = await finished(runId);
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ fromEnvFile: "yes", version: 1 });
    expect(lines.some((l) => l.includes(runId) && l.includes(`${api.url}/projects/${api.seed.projectRef}/runs/${runId}`))).toBe(true);
  });

  it("a rebuild registers a new dev version that new runs use", async () => {
    const file = join(dir, "src/trigger/env-echo.ts");
    writeFileSync(file, readFileSync(file, "utf8").replace("version: 1", "version: 2"));
    const before = session!.currentVersion;
    const version = await session!.redeploy();
    expect(version).toBeDefined();
    expect(version).not.toBe(before);

    const run = await finished(await trigger("env-echo", {}));
    expect(run).toMatchObject({ status: "COMPLETED", output: { fromEnvFile: "yes", version: 2 } });
  });

  it("a broken edit keeps the previous dev version and reports the file and line", async () => {
    const file = join(dir, "src/trigger/env-echo.ts");
    const good = readFileSync(file, "utf8");
    writeFileSync(file, good + "\nexport const oops = ;\n");
    const before = session!.currentVersion;
    expect(await session!.redeploy()).toBeUndefined();
    expect(session!.currentVersion).toBe(before);
    expect(lines.some((l) => l.startsWith("error src/trigger/env-echo.ts:"))).toBe(true);
    writeFileSync(file, good);
  });
});
