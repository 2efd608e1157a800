// The dashboard in real Chromium against a whole platform (api, runner, deployed fixture project): sign in,
// trigger from the test panel and watch the run complete, replay with an edited payload, bulk-cancel delayed
// runs, promote a deployment. Screenshots of each page go to test-output/screenshots/.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureAdminAccount } from "../../api/src/dashboard/admin-account.js";
import { fakeGithubOAuthEnv, startFakeGithubOAuth, type FakeGithubOAuth } from "../../api/src/dashboard/fake-github-oauth.js";
import { resolveEnvVars } from "../../api/src/envvars/service.js";
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
let admin: { email: string; password: string };
let v1: { version: string };
let v2: { version: string };
let github: FakeGithubOAuth;

beforeAll(async () => {
  await buildDashboard(webDir, { minify: false });
  github = await startFakeGithubOAuth();
  platform = await startPlatform({ apiEnv: { GANTRY_WEB_DIR: webDir, ...fakeGithubOAuthEnv(github) } });
  prod = http(platform.api.url, platform.api.seed.environments.prod.apiKey);
  admin = await ensureAdminAccount(platform.api.deps, { organizationId: platform.api.seed.organizationId });
  await platform.startRunner();
  v1 = await platform.deployProject();
  v2 = await platform.deployProject({ skipPromotion: true });
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
  await github?.close();
  rmSync(webDir, { recursive: true, force: true });
});

const statusOf = (p: Page) => p.getByTestId("run-status");
/** expect.poll with room for a loaded machine (the page polls the api every 1.5 s) */
const poll = <T>(fn: () => Promise<T> | T, options: { timeout?: number } = {}) => expect.poll(fn, { timeout: 20_000, ...options });
const mainNav = (p: Page, name: string) => p.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });

describe("the dashboard in Chromium", () => {
  it("refuses a wrong password, then signs the admin in and shows the demo project's prod runs", async () => {
    await page.goto(platform.api.url);
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await poll(() => page.getByRole("alert").textContent()).toMatch(/Wrong email or password/);
    await screenshot(page, "01-sign-in");
    expect(await unlabeledControls(page), "01-sign-in").toEqual([]);

    await page.getByLabel("Password").fill(admin.password);
    await page.getByLabel("Password").press("Enter");
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    expect(await page.getByLabel("Environment", { exact: true }).inputValue()).toBe(platform.api.seed.environments.prod.id);
    expect(await page.getByText(admin.email).count()).toBe(1);
    // the session cookie is not readable by script
    expect(await page.evaluate(() => document.cookie)).not.toContain("gantry_session");
  });

  it("triggers a task from the test panel and watches the run complete live, with its trace", async () => {
    // fake timers: polling never fires, so only realtime (SSE) can move the status (see pauseTimers)
    const clock = await pauseTimers(page);
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    await mainNav(page, "Tasks").click();
    await page.getByRole("button", { name: "Test echo" }).click();
    await screenshot(page, "02-tasks");
    expect(await unlabeledControls(page), "02-tasks").toEqual([]);
    await page.getByLabel("Payload (JSON)").fill('{ "hello": "dashboard" }');
    await clock.pause();
    try {
      await page.getByRole("button", { name: "Run test" }).click();
      await clock.stepUntil("the run page", async () => /#\/runs\/run_/.test(page.url()) && (await statusOf(page).count()) === 1);
      // status changes arrive over the realtime API (SSE with the session cookie)
      await clock.stepUntil("the live badge", async () => (await page.getByTitle("Status changes arrive over the realtime API").count()) === 1);
      await clock.stepUntil("COMPLETED", async () => (await statusOf(page).textContent()) === "COMPLETED");
      expect(await page.getByTestId("run-output").textContent()).toContain('"hello": "dashboard"');
      expect(await page.getByRole("list", { name: "Status timeline" }).textContent()).toMatch(/Created.*Attempt 1 started.*Run completed/);
    } finally {
      // logs are not on the realtime API: they come with polling, so time flows again
      await clock.resume();
    }
    await poll(() => page.getByRole("region", { name: "Trace" }).textContent(), { timeout: 15_000 }).toContain("echoing");
    await screenshot(page, "03-run");
    expect(await unlabeledControls(page), "03-run").toEqual([]);
    const runId = /run_[a-z0-9]+/.exec(page.url())![0];
    const { body } = await prod.get(`/api/v3/runs/${runId}`);
    expect(body).toMatchObject({ status: "COMPLETED", isTest: true, taskIdentifier: "echo" });
  });

  it("replays the run with an edited payload", async () => {
    const originalId = /run_[a-z0-9]+/.exec(page.url())![0];
    await page.getByRole("button", { name: "Replay…" }).click();
    const editor = page.getByLabel("Payload for the replay (JSON)");
    expect(JSON.parse(await editor.inputValue())).toEqual({ hello: "dashboard" });
    await editor.fill('{ "hello": "edited" }');
    await page.getByRole("button", { name: "Replay with this payload" }).click();
    await page.waitForURL((url) => /run_/.test(url.hash) && !url.hash.includes(originalId));
    await poll(() => statusOf(page).textContent(), { timeout: 30_000 }).toBe("COMPLETED");
    expect(await page.getByTestId("run-output").textContent()).toContain('"hello": "edited"');
    expect(await page.getByRole("navigation", { name: "Related runs" }).textContent()).toContain(originalId);
  });

  it("bulk-cancels delayed runs with progress", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { body } = await prod.post("/api/v1/tasks/echo/trigger", { payload: { i }, options: { delay: "1h", tags: ["bulk"] } });
      ids.push(body.id);
    }
    const other = (await prod.post("/api/v1/tasks/echo/trigger", { payload: {}, options: { delay: "1h", tags: ["keep"] } })).body.id as string;
    await mainNav(page, "Runs").click();
    await page.getByLabel("Tag").fill("bulk");
    await page.getByLabel("Status").selectOption("DELAYED");
    await poll(() => page.locator("tbody tr[data-run-id]").count()).toBe(3);
    await page.getByLabel("Select all runs on this page").check();
    await screenshot(page, "04-runs-selected");
    expect(await unlabeledControls(page), "04-runs-selected").toEqual([]);
    await page.getByRole("button", { name: "Cancel selected (3)" }).click();
    await poll(() => page.getByRole("group", { name: "Bulk actions" }).getByRole("status").textContent()).toBe("Canceled 3 of 3 runs");
    for (const id of ids) expect((await prod.get(`/api/v3/runs/${id}`)).body.status).toBe("CANCELED");
    expect((await prod.get(`/api/v3/runs/${other}`)).body.status).toBe("DELAYED");
    // the table follows live: no DELAYED run is left under this filter
    await poll(() => page.locator("tbody tr[data-run-id]").count()).toBe(0);
    await page.getByLabel("Status").selectOption("CANCELED");
    await poll(() => page.locator("tbody tr[data-run-id]").count()).toBe(3);

    // and replays them: three new runs of the same task, with the same tags
    await page.getByLabel("Select all runs on this page").check();
    await page.getByRole("button", { name: "Replay selected (3)" }).click();
    await poll(() => page.getByRole("group", { name: "Bulk actions" }).getByRole("status").textContent()).toBe("Replayed 3 of 3 runs");
    const tagged = await eventually(async () => {
      const { body } = await prod.get("/api/v1/runs?filter[tag]=bulk&page[size]=10");
      return body.data.length === 6 ? body.data : undefined;
    }, { what: "3 replays tagged bulk" });
    expect(tagged.filter((r: { status: string }) => r.status !== "CANCELED")).toHaveLength(3);

    // the queues page counts the one delayed run left as queued on echo's queue
    await mainNav(page, "Queues").click();
    const echoQueue = page.locator("tr[data-queue*='echo']");
    await poll(() => echoQueue.locator("td").nth(2).textContent()).toBe("1");
    await screenshot(page, "10-queues");
  });

  it("promotes a deployment and rolls back, reached by the keyboard shortcut g d", async () => {
    await page.locator("body").click();
    await page.keyboard.press("g");
    await page.keyboard.press("d");
    await page.getByRole("heading", { name: "Deployments" }).waitFor();
    await page.locator(`tr[data-version="${v2.version}"]`).waitFor();
    await poll(() => page.getByTestId("current-version").textContent()).toBe(v1.version);
    await screenshot(page, "05-deployments");
    expect(await unlabeledControls(page), "05-deployments").toEqual([]);
    await page.getByRole("button", { name: `Promote ${v2.version}` }).click();
    await poll(() => page.getByTestId("current-version").textContent()).toBe(v2.version);
    await eventually(async () => ((await prod.post("/api/v1/tasks/echo/trigger", { payload: {} })).body.id as string | undefined), { what: "trigger" }).then(
      async (id) => {
        const run = await eventually(async () => {
          const { body } = await prod.get(`/api/v3/runs/${id}`);
          return body.status === "COMPLETED" ? body : undefined;
        }, { what: "run on the promoted version" });
        expect(run.version).toBe(v2.version);
      },
    );
    await page.getByRole("button", { name: `Roll back to ${v1.version}` }).click();
    await poll(() => page.getByTestId("current-version").textContent()).toBe(v1.version);
  });

  it("shows environment variables (secrets masked) and API keys", async () => {
    await mainNav(page, "Env vars").click();
    await page.getByLabel("Name").fill("API_TOKEN");
    await page.getByLabel("Value").fill("s3cr3t-value");
    await page.getByLabel("Secret").check();
    await page.getByRole("button", { name: "Add variable" }).click();
    await poll(() => page.locator("tbody").textContent()).toContain("API_TOKEN");
    // secret values are write-only: never sent back to the browser, but runs get them
    expect(await page.content()).not.toContain("s3cr3t-value");
    await screenshot(page, "06-envvars");
    expect(await unlabeledControls(page), "06-envvars").toEqual([]);
    expect(await resolveEnvVars(platform.api.deps, platform.api.seed.environments.prod.id)).toMatchObject({ API_TOKEN: "s3cr3t-value" });

    await mainNav(page, "API keys").click();
    const prodKey = page.getByTestId("key-prod");
    await prodKey.waitFor();
    expect(await prodKey.textContent()).not.toBe(platform.api.seed.environments.prod.apiKey);
    await page.getByRole("button", { name: "Reveal the prod key" }).click();
    await poll(() => prodKey.textContent()).toBe(platform.api.seed.environments.prod.apiKey);
    await screenshot(page, "07-api-keys");
    expect(await unlabeledControls(page), "07-api-keys").toEqual([]);

    const oldStaging = platform.api.seed.environments.staging.apiKey;
    await page.getByRole("button", { name: "Rotate the staging key" }).click();
    const newStaging = await eventually(async () => {
      const shown = await page.getByTestId("key-staging").textContent();
      return shown && /^tr_stg_[A-Za-z0-9]+$/.test(shown) && shown !== oldStaging ? shown : undefined;
    }, { what: "the rotated staging key to show" });
    expect((await http(platform.api.url, oldStaging).get("/api/v1/runs")).status).toBe(401);
    expect((await http(platform.api.url, newStaging).get("/api/v1/runs")).status).toBe(200);
  });

  it("lists schedules and reports why one cannot be created", async () => {
    await mainNav(page, "Schedules").click();
    await poll(() => page.locator("tbody").textContent()).toContain("No schedules");
    await page.getByLabel("Scheduled task").fill("echo");
    await page.getByRole("button", { name: "Create schedule" }).click();
    // echo is a plain task, not a schedules.task: the api's reason is shown
    await poll(() => page.getByRole("status").first().textContent()).toMatch(/echo/);
    await screenshot(page, "09-schedules");
    expect(await unlabeledControls(page), "09-schedules").toEqual([]);
  });

  it("switches to a preview branch, shows its PR, and archives it", async () => {
    const { deps, seed } = platform.api;
    const branchId = await ensureBranchEnvironment(deps, seed.projectId, seed.environments.preview.id, "feature-login", true);
    await deps.sql`update environments set git = ${deps.sql.json({ pullRequestNumber: 7, pullRequestUrl: "https://github.com/acme/app/pull/7", pullRequestTitle: "Login" })} where id = ${branchId}`;
    await page.reload();
    await page.getByLabel("Environment", { exact: true }).selectOption({ label: "preview / feature-login" });
    await mainNav(page, "Runs").click();
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    await poll(() => page.getByText("No runs match").count()).toBe(1);
    await mainNav(page, "Branches").click();
    const row = page.locator('tr[data-branch="feature-login"]');
    await row.waitFor();
    expect(await row.getByRole("link").getAttribute("href")).toBe("https://github.com/acme/app/pull/7");
    await screenshot(page, "08-branches");
    expect(await unlabeledControls(page), "08-branches").toEqual([]);
    await page.getByRole("button", { name: "Archive feature-login" }).click();
    await poll(() => row.textContent()).toContain("archived");
    const [env] = await deps.sql<{ archived_at: Date | null }[]>`select archived_at from environments where id = ${branchId}`;
    expect(env!.archived_at).not.toBeNull();
    await poll(() => page.getByLabel("Environment", { exact: true }).locator("option", { hasText: "feature-login (archived)" }).count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it("signs in with GitHub (linked to the user with the same verified email)", async () => {
    github.accounts.set("demo-code", { id: 77, login: "demo-on-github", name: "Demo", emails: [{ email: platform.api.seed.email, primary: true, verified: true, visibility: null }] });
    github.approveAs = "demo-code";
    const { page: fresh, errors } = await newPage(browser);
    await fresh.goto(platform.api.url);
    await fresh.getByRole("link", { name: "Sign in with GitHub" }).click();
    await fresh.getByRole("heading", { name: "Runs" }).waitFor();
    expect(await fresh.getByText(platform.api.seed.email).count()).toBe(1);
    expect(await fresh.getByLabel("Project").locator("option").count()).toBe(1);
    expect(errors).toEqual([]);
    await fresh.context().close();
  });
});
