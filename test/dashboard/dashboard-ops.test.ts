// The dashboard's operations pages in real Chromium against a whole platform: an Alerts page webhook channel that
// a failed run delivers to (signed, checked with webhooks.constructEvent) on a loopback receiver, GitHub settings
// edited on the GitHub page, a build's log followed live (and on its deployment), a run's stream shown live, and
// the test panel refusing a payload its schemaTask's JSON schema rejects. Screenshots go to test-output/screenshots/.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhooks } from "@gantry/sdk";
import { startHttpReceiver, type HttpReceiver } from "../../api/src/alerts/testing.js";
import { ensureAdminAccount } from "../../api/src/dashboard/admin-account.js";
import { reportBuildStatus } from "../../api/src/github/builds.js";
import { resolveEnvVars } from "../../api/src/envvars/service.js";
import { connectRepository } from "../../api/src/github/connect.js";
import { handlePush } from "../../api/src/github/events.js";
import { recordInstallation } from "../../api/src/github/installations.js";
import { selectConnectionByProject } from "../../api/src/github/queries/connections.js";
import { ensureBranchEnvironment } from "../../api/src/projects/service.js";
import { buildDashboard } from "../../web/src/build.js";
import { http, type Http } from "../helpers/http.js";
import { eventually, startPlatform, type Platform } from "../helpers/platform.js";
import { launchBrowser, newPage, pauseTimers, screenshot, unlabeledControls } from "./browser.js";

const webDir = mkdtempSync(join(tmpdir(), "gantry-web-"));
let platform: Platform;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let prod: Http;
let receiver: HttpReceiver;
let adminEmail: string;
const REPO = { id: 9001, fullName: "acme/ops-tasks", defaultBranch: "main" };

const SIGNUP_TASK = `import { schemaTask } from "@gantry/sdk";
import { z } from "zod";
export const signup = schemaTask({
  id: "signup",
  schema: z.object({ email: z.string().email(), seats: z.number().int().min(1) }),
  run: async (p) => ({ ok: p.email }),
});
`;
// a schedules.task without a cron: schedules for it are created (and edited) from the Schedules page
const NIGHTLY_TASK = `import { schedules } from "@gantry/sdk";
export const nightly = schedules.task({ id: "nightly", run: async () => ({ ok: true }) });
`;
const editProject = (dir: string) => {
  writeFileSync(join(dir, "src/trigger/signup.ts"), SIGNUP_TASK);
  writeFileSync(join(dir, "src/trigger/nightly.ts"), NIGHTLY_TASK);
};

beforeAll(async () => {
  await buildDashboard(webDir, { minify: false });
  receiver = await startHttpReceiver();
  platform = await startPlatform({ apiEnv: { GANTRY_WEB_DIR: webDir, GANTRY_ALERT_POLL_MS: "200" } });
  prod = http(platform.api.url, platform.api.seed.environments.prod.apiKey);
  const admin = await ensureAdminAccount(platform.api.deps, { organizationId: platform.api.seed.organizationId });
  adminEmail = admin.email;
  await platform.startRunner();
  await platform.deployProject({ edit: editProject });
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
  await page.goto(platform.api.url);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByLabel("Password").press("Enter");
  await page.getByRole("heading", { name: "Runs" }).waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
  await receiver?.close();
  rmSync(webDir, { recursive: true, force: true });
});

const poll = <T>(fn: () => Promise<T> | T, options: { timeout?: number } = {}) => expect.poll(fn, { timeout: 20_000, ...options });
const mainNav = (p: Page, name: string) => p.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });

describe("operations pages in Chromium", () => {
  it("creates a webhook alert; a failed run delivers a signed alert.run.failed the SDK verifies; the delivery shows", async () => {
    await mainNav(page, "Alerts").click();
    await page.getByRole("heading", { name: "Alerts" }).waitFor();
    const form = page.getByRole("form", { name: "New alert channel" });
    await form.getByLabel("Name").fill("ops receiver");
    await form.getByLabel("Type").selectOption("WEBHOOK");
    await form.getByLabel("Webhook URL").fill(`${receiver.url}/gantry-alerts`);
    await form.getByLabel("Deployment failed").check();
    await form.getByRole("button", { name: "Create alert" }).click();
    await poll(() => page.getByRole("status").first().textContent()).toMatch(/Created alert channel ops receiver/);
    const secret = (await page.getByTestId("webhook-secret").textContent())!;
    expect(secret).toMatch(/^whsec_/);
    expect(await unlabeledControls(page), "alerts").toEqual([]);

    const run = await prod.post("/api/v1/tasks/aborts/trigger", { payload: { why: "alert me" } });
    expect(run.status).toBe(200);
    const delivered = await eventually(async () => receiver.requests.find((r) => r.body.includes(run.body.id)), { what: "the alert webhook" });
    expect(delivered.path).toBe("/gantry-alerts");
    const event = await webhooks.constructEvent(delivered.body, String(delivered.headers["x-trigger-signature-hmacsha256"]), secret);
    expect(event.type).toBe("alert.run.failed");
    if (event.type === "alert.run.failed") {
      expect(event.object.run).toMatchObject({ id: run.body.id, status: "FAILED" });
      expect(event.object.run.error).toMatchObject({ message: "not worth retrying" });
      expect(event.object.task.id).toBe("aborts");
    }
    const row = page.locator(`tr[data-delivery="${run.body.id}"]`);
    await poll(() => row.textContent()).toMatch(/alert\.run\.failed.*ops receiver.*SUCCEEDED/);
    await screenshot(page, "20-alerts");

    // the alert's link opens the run in its environment, whichever one the dashboard was showing
    const dashboardUrl = event.type === "alert.run.failed" ? event.object.run.dashboardUrl : "";
    const stagingId = platform.api.seed.environments.staging.id;
    await page.evaluate((id) => localStorage.setItem("gantry.environmentId", id), stagingId);
    await page.goto(dashboardUrl);
    await poll(() => page.getByTestId("run-status").textContent()).toBe("FAILED");
    expect(await page.getByLabel("Environment", { exact: true }).inputValue()).toBe(platform.api.seed.environments.prod.id);
    await mainNav(page, "Alerts").click();

    // disabled: the next failure delivers nothing
    await page.getByRole("button", { name: "Disable ops receiver" }).click();
    await poll(() => page.locator('tr[data-channel="ops receiver"]').textContent()).toMatch(/disabled/);
    const quiet = await prod.post("/api/v1/tasks/aborts/trigger", { payload: {} });
    await eventually(async () => ((await prod.get(`/api/v3/runs/${quiet.body.id}`)).body.status === "FAILED" ? true : undefined), { what: "the second run to fail" });
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.requests.some((r) => r.body.includes(quiet.body.id))).toBe(false);
  });

  it("edits the GitHub connection's settings and follows a build's log live, also from its deployment", async () => {
    const api = platform.api;
    await recordInstallation(api.deps, { installationId: 31, account: { login: "acme", id: 3 }, repositories: [REPO] });
    const adminRow = await api.deps.sql<{ id: string }[]>`select id from users where email = ${adminEmail}`;
    await connectRepository(api.deps, adminRow[0]!.id, { projectRef: api.seed.projectRef, repository: REPO.fullName });

    await mainNav(page, "GitHub").click();
    await poll(() => page.getByTestId("github-connection").textContent()).toMatch(/Connected to acme\/ops-tasks/);
    const settings = page.getByRole("form", { name: "GitHub settings" });
    await settings.getByLabel("Production branch").fill("release");
    await settings.getByLabel("Staging branch").fill("develop");
    await settings.getByLabel("Install command").fill("npm ci");
    await settings.getByRole("button", { name: "Save settings" }).click();
    await poll(() => page.getByRole("status").first().textContent()).toMatch(/Saved the GitHub settings/);
    const saved = await selectConnectionByProject(api.deps.sql, api.seed.projectId);
    expect(saved).toMatchObject({ production_branch: "release", staging_branch: "develop", install_command: "npm ci" });
    await poll(() => page.getByTestId("github-connection").textContent()).toMatch(/release.*deploy to prod.*develop.*staging/);
    expect(await settings.getByLabel("Production branch").inputValue()).toBe("release");
    expect(await settings.getByLabel("Install command").inputValue()).toBe("npm ci");
    expect(await unlabeledControls(page), "github").toEqual([]);

    // a push to the new production branch builds; its log streams in while it builds
    const pushed = await handlePush(api.deps, {
      deliveryId: "d1", installationId: 31, repository: REPO, ref: "refs/heads/release", before: "0".repeat(40), after: "c".repeat(40),
      deleted: false, headCommit: { message: "Ship the ops pages" }, sender: { login: "dev", id: 1 },
    });
    const id = pushed.builds[0]!.id;
    await reportBuildStatus(api.deps, id, { status: "BUILDING", logs: "$ npm ci\nadded 42 packages\n" });
    await poll(() => page.locator(`tr[data-build="${id}"]`).count()).toBe(1);
    await page.getByRole("button", { name: `Build log of ${"c".repeat(7)}` }).click();
    const log = page.getByTestId("build-log");
    await poll(() => log.textContent()).toContain("added 42 packages");
    await reportBuildStatus(api.deps, id, { status: "BUILDING", logs: "$ gantry deploy\nBundling 6 tasks\n" });
    await poll(() => log.textContent()).toContain("Bundling 6 tasks");
    await screenshot(page, "21-github-build-log");

    const deployment = await platform.deployProject({ edit: editProject });
    await reportBuildStatus(api.deps, id, { status: "DEPLOYED", deploymentId: deployment.id, version: deployment.version, logs: `Deployed ${deployment.version}\n` });
    await poll(() => log.textContent()).toContain(`Deployed ${deployment.version}`);

    await mainNav(page, "Deployments").click();
    await page.getByRole("button", { name: `Build log of ${deployment.version}` }).click();
    await poll(() => page.getByTestId("build-log").textContent()).toBe(`$ npm ci\nadded 42 packages\n$ gantry deploy\nBundling 6 tasks\nDeployed ${deployment.version}\n`);
    await screenshot(page, "22-deployment-build-log");
  });

  it("shows a running run's stream live on its run page", async () => {
    const run = await prod.post("/api/v1/tasks/slow/trigger", { payload: { ms: 4000 } });
    await eventually(async () => ((await prod.get(`/api/v3/runs/${run.body.id}`)).body.status === "EXECUTING" ? true : undefined), { what: "the run to start" });
    const append = (lines: string[]) => fetch(`${platform.api.url}/realtime/v1/streams/${run.body.id}/answer`, {
      method: "POST",
      headers: { authorization: `Bearer ${platform.api.seed.environments.prod.apiKey}` },
      body: lines.join("\n"),
    });
    expect((await append(['"Hello, "'])).status).toBe(200);
    await page.goto(`${platform.api.url}/#/runs/${run.body.id}`);
    const stream = page.getByTestId("stream-answer");
    await poll(() => stream.textContent()).toBe("Hello, ");
    expect((await append(['"operator"', '"!"'])).status).toBe(200);
    await poll(() => stream.textContent()).toBe("Hello, operator!");
    await screenshot(page, "23-run-stream");
  });

  it("pauses and resumes a queue from the Queues page", async () => {
    await mainNav(page, "Queues").click();
    const row = page.locator("tr[data-queue='task/echo']");
    await poll(() => row.count()).toBe(1);
    await page.getByRole("button", { name: "Pause task/echo" }).click();
    await poll(() => row.textContent()).toMatch(/paused/);
    expect((await prod.get("/api/v1/queues/task%252Fecho?type=task")).body.paused).toBe(true);
    await screenshot(page, "25-queues-paused");
    await page.getByRole("button", { name: "Resume task/echo" }).click();
    await poll(() => row.textContent()).toMatch(/active/);
    expect((await prod.get("/api/v1/queues/task%252Fecho?type=task")).body.paused).toBe(false);
    expect(await unlabeledControls(page), "queues").toEqual([]);
  });

  it("the runs list follows run changes over its change stream, with its polling stopped", async () => {
    await mainNav(page, "Runs").click();
    const clock = await pauseTimers(page);
    await page.getByTitle("The list follows run changes over a live connection").waitFor();
    await page.getByLabel("Tag").fill("live-list");
    await poll(() => page.getByText("No runs match").count()).toBe(1);
    await clock.pause();
    try {
      const run = await prod.post("/api/v1/tasks/echo/trigger", { payload: {}, options: { tags: ["live-list"] } });
      const row = page.locator(`tr[data-run-id="${run.body.id}"]`);
      await clock.stepUntil("the new run's row", async () => (await row.count()) === 1);
      await clock.stepUntil("the run COMPLETED", async () => (await row.locator(".status").textContent()) === "COMPLETED");
    } finally {
      await clock.resume();
    }
  });

  it("titles each page, moves focus to its h1 on navigation, and tabs from the top in order", async () => {
    // a fresh load (a goto that only changes the hash would keep the focus where it was)
    await page.goto(`${platform.api.url}/#/runs`);
    await page.reload();
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    expect(await page.title()).toBe("Runs · Gantry");
    // what has focus, named as a screen reader would (aria-label, else text)
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return el ? `${el.tagName.toLowerCase()}:${el.getAttribute("aria-label") ?? el.textContent?.trim() ?? ""}` : "";
      });
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press("Tab");
      order.push(await focused());
    }
    expect(order).toEqual(["a:Skip to content", "select:Project", "select:Environment", "a:Runs", "a:Tasks", "a:Deployments"]);
    // every nav link's accessible name contains its visible text (WCAG 2.5.3)
    const links = await page.getByRole("navigation", { name: "Main" }).getByRole("link").evaluateAll((els) =>
      els.map((el) => ({ text: el.textContent!.trim(), label: el.getAttribute("aria-label") })),
    );
    expect(links.filter((l) => l.label !== null && !l.label.includes(l.text))).toEqual([]);

    await mainNav(page, "Schedules").click();
    await page.getByRole("heading", { name: "Schedules" }).waitFor();
    await poll(() => focused()).toBe("h1:Schedules");
    expect(await page.title()).toBe("Schedules · Gantry");
    // Tab continues from the page, not from the link that was followed
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.getElementById("content")!.contains(document.activeElement))).toBe(true);

    await mainNav(page, "Env vars").click();
    await poll(() => focused()).toMatch(/^h1:Environment variables · prod/);
    expect(await page.title()).toBe("Environment variables · Gantry");
  });

  it("creates a schedule, edits it, deactivates and reactivates it; the runs list filters by schedule", async () => {
    await mainNav(page, "Schedules").click();
    const create = page.getByRole("form", { name: "Create a schedule" });
    await create.getByLabel("Scheduled task").fill("nightly");
    await create.getByLabel("Cron (5 fields)").fill("0 5 * * *");
    await create.getByLabel("External id").fill("tenant-1");
    await create.getByLabel("Deduplication key").fill("nightly-tenant-1");
    await create.getByRole("button", { name: "Create schedule" }).click();
    const row = page.locator("tr[data-schedule]");
    await poll(() => row.count()).toBe(1);
    const id = (await row.getAttribute("data-schedule"))!;
    expect(await row.textContent()).toContain("0 5 * * *");

    await page.getByRole("button", { name: "Edit nightly 0 5 * * *" }).click();
    const edit = page.getByRole("form", { name: `Edit schedule ${id}` });
    expect(await edit.getByLabel("External id").inputValue()).toBe("tenant-1");
    expect(await edit.textContent()).toContain("nightly-tenant-1");
    await edit.getByLabel("Cron").fill("30 6 * * 1");
    await edit.getByLabel("Timezone").fill("Europe/Paris");
    await screenshot(page, "26-schedule-edit");
    expect(await unlabeledControls(page), "schedules").toEqual([]);
    await edit.getByRole("button", { name: "Save schedule" }).click();
    await poll(() => page.getByRole("status").first().textContent()).toBe(`Updated ${id}`);
    const edited = (await prod.get(`/api/v1/schedules/${id}`)).body;
    expect(edited).toMatchObject({ active: true, generator: { expression: "30 6 * * 1" }, timezone: "Europe/Paris", externalId: "tenant-1", deduplicationKey: "nightly-tenant-1" });
    await poll(() => row.textContent()).toMatch(/30 6 \* \* 1.*Europe\/Paris/);
    expect(await edit.count()).toBe(0);
    expect(await row.getByTestId("next-run").textContent()).not.toBe("—");
    // the next five runs: Mondays 06:30 in Paris, the first being nextRun
    await page.getByRole("button", { name: "Next 5 runs of nightly 30 6 * * 1" }).click();
    const upcoming = row.getByRole("list", { name: "Upcoming runs" }).locator("time");
    await poll(() => upcoming.count()).toBe(5);
    const ticks = await upcoming.evaluateAll((els) => els.map((el) => el.getAttribute("datetime")!));
    expect(ticks[0]).toBe(new Date(edited.nextRun).toISOString());
    const paris = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", weekday: "short", hour: "2-digit", minute: "2-digit" });
    expect(ticks.map((t) => paris.format(new Date(t)))).toEqual(Array(5).fill("Mon 06:30"));

    await page.getByRole("button", { name: "Deactivate nightly 30 6 * * 1" }).click();
    await poll(() => row.getByTestId("state").textContent()).toBe("inactive");
    expect((await prod.get(`/api/v1/schedules/${id}`)).body.active).toBe(false);
    expect(await row.getByTestId("next-run").textContent()).toBe("—");
    await page.getByRole("button", { name: "Activate nightly 30 6 * * 1" }).click();
    await poll(() => row.getByTestId("state").textContent()).toBe("active");
    expect((await prod.get(`/api/v1/schedules/${id}`)).body).toMatchObject({ active: true, generator: { expression: "30 6 * * 1" } });

    // the row's Runs link opens the Runs page filtered by this schedule (none yet); the filter is a plain input too
    const filtered = page.waitForRequest((r) => new URL(r.url()).searchParams.get("filter[schedule]") === id);
    await page.getByRole("link", { name: "Runs of nightly 30 6 * * 1" }).click();
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    await filtered;
    expect(await page.getByLabel("Schedule", { exact: true }).inputValue()).toBe(id);
    await poll(() => page.getByText("No runs match").count()).toBe(1);
  });

  it("edits the preview environment's variables, which a branch shows as inherited (no Delete)", async () => {
    const { deps, seed } = platform.api;
    const branchId = await ensureBranchEnvironment(deps, seed.projectId, seed.environments.preview.id, "feature-vars", true);
    await page.reload();
    await mainNav(page, "Env vars").click();
    await page.getByRole("heading", { name: "Environment variables · prod" }).waitFor();
    await page.getByLabel("Variables of").selectOption({ label: "preview (all branches)" });
    await page.getByRole("heading", { name: "Environment variables · preview (all branches)" }).waitFor();
    await page.getByLabel("Name").fill("SHARED_URL");
    await page.getByLabel("Value").fill("https://preview.example");
    await page.getByRole("button", { name: "Add variable" }).click();
    await poll(() => page.locator("tbody").textContent()).toContain("SHARED_URL");
    expect(await resolveEnvVars(deps, branchId)).toMatchObject({ SHARED_URL: "https://preview.example" });
    expect(await resolveEnvVars(deps, seed.environments.prod.id)).not.toHaveProperty("SHARED_URL");

    await page.getByLabel("Environment", { exact: true }).selectOption({ label: "preview / feature-vars" });
    await page.getByRole("heading", { name: "Environment variables · preview / feature-vars" }).waitFor();
    const inherited = page.locator('tr[data-envvar="SHARED_URL"]');
    await poll(() => inherited.textContent()).toMatch(/inherited/);
    expect(await page.getByRole("button", { name: "Delete SHARED_URL" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Override SHARED_URL" }).count()).toBe(1);
    await page.getByLabel("Name").fill("BRANCH_ONLY");
    await page.getByLabel("Value").fill("mine");
    await page.getByRole("button", { name: "Add variable" }).click();
    const own = page.locator('tr[data-envvar="BRANCH_ONLY"]');
    await poll(() => own.count()).toBe(1);
    expect(await own.textContent()).not.toMatch(/inherited/);
    expect(await page.getByRole("button", { name: "Delete BRANCH_ONLY" }).count()).toBe(1);
    await screenshot(page, "27-envvars-inherited");
    expect(await unlabeledControls(page), "envvars").toEqual([]);
    await page.getByLabel("Environment", { exact: true }).selectOption(seed.environments.prod.id);
  });

  it("the test panel refuses a payload the schemaTask's JSON schema rejects, and runs a valid one", async () => {
    await mainNav(page, "Tasks").click();
    await page.getByRole("button", { name: "Test signup" }).click();
    const before = (await prod.get("/api/v1/runs?filter[taskIdentifier]=signup")).body.data.length;
    await page.getByLabel("Payload (JSON)").fill('{ "email": "a@example.com" }');
    await page.getByRole("button", { name: "Run test" }).click();
    await poll(() => page.getByRole("alert").first().textContent()).toMatch(/does not match the task's schema: payload.seats is required/);
    // formats and bounds too (z.string().email(), .min(1))
    await page.getByLabel("Payload (JSON)").fill('{ "email": "not-an-address", "seats": 3 }');
    await page.getByRole("button", { name: "Run test" }).click();
    await poll(() => page.getByRole("alert").first().textContent()).toMatch(/payload.email must be a valid email/);
    await page.getByLabel("Payload (JSON)").fill('{ "email": "a@example.com", "seats": 0 }');
    await page.getByRole("button", { name: "Run test" }).click();
    await poll(() => page.getByRole("alert").first().textContent()).toMatch(/payload.seats must be ≥ 1/);
    expect((await prod.get("/api/v1/runs?filter[taskIdentifier]=signup")).body.data.length).toBe(before);
    await screenshot(page, "24-test-panel-schema");
    await page.getByLabel("Payload (JSON)").fill('{ "email": "a@example.com", "seats": 3 }');
    await page.getByRole("button", { name: "Run test" }).click();
    await page.waitForURL(/#\/runs\/run_/);
    await poll(() => page.getByTestId("run-status").textContent()).toBe("COMPLETED");
    expect(pageErrors).toEqual([]);
  });
});
