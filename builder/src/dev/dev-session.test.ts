import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
  // waits: each task appends a line to the file its payload names, so the test sees which code ran how often
  writeFileSync(join(dir, "src/trigger/dev-waits.ts"), DEV_WAIT_TASKS);
});

const DEV_WAIT_TASKS = `import { appendFileSync, writeFileSync } from "node:fs";
import { task, wait } from "@gantry/sdk";

export const devChild = task({
  id: "dev-child",
  run: async (p: { log: string; n: number }) => {
    appendFileSync(p.log, "child\\n");
    // it waits too (so its parent is surely waiting for it by the time it finishes)
    await wait.for({ seconds: 1 });
    return { doubled: p.n * 2 };
  },
});

export const devWaiter = task({
  id: "dev-waiter",
  run: async (p: { log: string }) => {
    appendFileSync(p.log, "before\\n");
    await wait.for({ seconds: 1 });
    appendFileSync(p.log, "between\\n");
    const child = await devChild.triggerAndWait({ log: p.log, n: 21 });
    appendFileSync(p.log, "after\\n");
    return { child: child.ok ? child.output : null };
  },
});

export const devTokenWaiter = task({
  id: "dev-token-waiter",
  run: async (p: { log: string; tokens: string }) => {
    appendFileSync(p.log, "before\\n");
    const token = await wait.createToken({ timeout: "10m" });
    const other = await wait.createToken({ timeout: "10m" });
    writeFileSync(p.tokens, JSON.stringify({ id: token.id, publicAccessToken: token.publicAccessToken, otherId: other.id, pid: process.pid }));
    const result = await wait.forToken<{ approved: boolean }>(token);
    appendFileSync(p.log, "after\\n");
    return result.ok ? result.output : { timedOut: true };
  },
});
`;
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

async function finished(runId: string): Promise<{ status: string; output?: unknown; version?: string; attemptCount?: number }> {
  for (let i = 0; i < 300; i++) {
    const res = await fetch(`${api.url}/api/v3/runs/${runId}`, { headers: { authorization: `Bearer ${api.seed.environments.dev.apiKey}` } });
    const run = (await res.json()) as { status: string; isCompleted: boolean; output?: unknown; version?: string; attemptCount?: number };
    if (run.isCompleted) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} did not finish`);
}

async function until<T>(what: string, probe: () => T | undefined | false): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function startSession(): Promise<DevSession> {
  return startDevSession({
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
}

const fileLines = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : []);

describe("gantry dev session", () => {
  it("registers a dev version, executes the member's dev runs locally with --env-file variables, and prints dashboard links", async () => {
    session = await startSession();
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

  it("a run that waits stays suspended in its process: code before each wait runs once, and no wait reads as a failure", async () => {
    const log = join(dir, "waiter.log");
    const runId = await trigger("dev-waiter", { log });
    const run = await finished(runId);
    expect(run).toMatchObject({ status: "COMPLETED", output: { child: { doubled: 42 } }, attemptCount: 1 });
    // the attempt continued where it waited, twice: nothing before a wait ran again
    expect(fileLines(log)).toEqual(["before", "between", "child", "after"]);
    const mine = lines.filter((l) => l.includes(runId));
    expect(mine.some((l) => l.startsWith(`⏸ dev-waiter ${runId} waiting for a duration, until `))).toBe(true);
    expect(mine.some((l) => l.startsWith(`⏸ dev-waiter ${runId} waiting for child run run_`) && l.includes("(triggerAndWait)"))).toBe(true);
    expect(mine.filter((l) => l.startsWith(`▶ resumed dev-waiter ${runId} after `))).toHaveLength(2);
    expect(mine.filter((l) => l.startsWith("✔"))).toHaveLength(1);
    expect(lines.some((l) => l.includes("SYSTEM_FAILURE") || l.startsWith("✖"))).toBe(false);
  });

  it("a run canceled while it waits is stopped in its process, with no failure reported", async () => {
    const log = join(dir, "canceled.log");
    const runId = await trigger("dev-token-waiter", { log, tokens: join(dir, "canceled-tokens.json") });
    await until("the run to wait for its token", () => lines.some((l) => l.startsWith(`⏸ dev-token-waiter ${runId} waiting for token`)));
    const res = await fetch(`${api.url}/api/v2/runs/${runId}/cancel`, { method: "POST", headers: { authorization: `Bearer ${api.seed.environments.dev.apiKey}` } });
    expect(res.status).toBe(200);
    expect((await finished(runId)).status).toBe("CANCELED");
    // the session hears it from its heartbeat, which covers the attempts suspended there
    await until("the session to stop the attempt", () => lines.includes(`■ ${runId} canceled`));
    expect(fileLines(log)).toEqual(["before"]);
    expect(lines.some((l) => l.includes(runId) && (l.startsWith("✖") || l.startsWith("warn")))).toBe(false);
  });

  it("a run whose process dies while it waits replays from its record when the wait is over", async () => {
    const log = join(dir, "lost.log");
    const tokens = join(dir, "lost-tokens.json");
    const runId = await trigger("dev-token-waiter", { log, tokens });
    await until("the run to wait for its token", () => lines.some((l) => l.startsWith(`⏸ dev-token-waiter ${runId} waiting for token`)));
    const made = JSON.parse(readFileSync(tokens, "utf8")) as { id: string; pid: number };
    process.kill(made.pid, "SIGKILL");
    await until("the session to note the loss", () => lines.some((l) => l.startsWith(`warn dev-token-waiter ${runId}: the process holding it at its wait ended`)));

    const res = await fetch(`${api.url}/api/v1/waitpoints/tokens/${made.id}/complete`, {
      method: "POST",
      headers: { authorization: `Bearer ${api.seed.environments.dev.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ data: { approved: false } }),
    });
    expect(res.status).toBe(200);
    const run = await finished(runId);
    expect(run).toMatchObject({ status: "COMPLETED", output: { approved: false } });
    expect(fileLines(log)).toEqual(["before", "before", "after"]);
    expect(lines.some((l) => l.startsWith(`▶ dev-token-waiter ${runId} (attempt 2,`) && l.includes("replaying from its recorded waits"))).toBe(true);
  });

  it("a session that restarted replays a waiting run from its record; a token made in the task completes from a browser with its public access token", async () => {
    const log = join(dir, "token.log");
    const tokens = join(dir, "tokens.json");
    const runId = await trigger("dev-token-waiter", { log, tokens });
    await until("the run to wait for its token", () => lines.some((l) => l.startsWith(`⏸ dev-token-waiter ${runId} waiting for token waitpoint_`)));
    const made = JSON.parse(readFileSync(tokens, "utf8")) as { id: string; publicAccessToken: string; otherId: string };
    expect(made.publicAccessToken).toMatch(/^ey/);

    // the session stops while the run waits: its attempt goes with its process, the run stays WAITING
    await session!.close();
    session = await startSession();

    const complete = (tokenId: string) =>
      fetch(`${api.url}/api/v1/waitpoints/tokens/${tokenId}/complete`, {
        method: "POST",
        headers: { authorization: `Bearer ${made.publicAccessToken}`, "content-type": "application/json" },
        body: JSON.stringify({ data: { approved: true } }),
      });
    // the public token completes its own token, and no other
    expect((await complete(made.otherId)).status).toBe(403);
    expect((await complete(made.id)).status).toBe(200);

    const run = await finished(runId);
    expect(run).toMatchObject({ status: "COMPLETED", output: { approved: true } });
    // the new session held no attempt: it replayed the run, and the record answered its tokens and wait
    expect(fileLines(log)).toEqual(["before", "before", "after"]);
    expect(lines.some((l) => l.startsWith(`▶ dev-token-waiter ${runId} (attempt 2,`) && l.includes("replaying from its recorded waits"))).toBe(true);
    const other = await fetch(`${api.url}/api/v1/waitpoints/tokens/${made.otherId}`, { headers: { authorization: `Bearer ${api.seed.environments.dev.apiKey}` } });
    expect(((await other.json()) as { status: string }).status).toBe("WAITING");
  });
});
