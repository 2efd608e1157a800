import { webhooks, WebhookError } from "@gantry/sdk";
import { webhooks as officialWebhooks } from "@trigger.dev/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureAdminAccount } from "../dashboard/admin-account.js";
import { client, deployTasks, failure, fakeRunner, type Client } from "../runner-api/test-helpers.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { deploymentBody } from "./payloads.js";
import { insertDeliveries } from "./queries/deliveries.js";
import { selectDeploymentForAlert } from "./queries/subjects.js";
import { eventually, startHttpReceiver, startSmtpReceiver, type HttpReceiver } from "./testing.js";

let api: TestApi;
let http: Client;
let hook: HttpReceiver;
let slack: HttpReceiver;
let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
let b: Awaited<ReturnType<typeof browser>>;
const SIG = "x-trigger-signature-hmacsha256";

async function browser() {
  const creds = await ensureAdminAccount(api.deps, { organizationId: api.seed.organizationId });
  const signIn = await fetch(`${api.url}/api/v1/dashboard/sign-in`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(creds) });
  const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0]!;
  const { csrfToken } = (await signIn.json()) as { csrfToken: string };
  return async (method: string, path: string, body?: unknown, opts: { csrf?: boolean } = {}) => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { cookie, "content-type": "application/json", ...(opts.csrf === false ? {} : { "x-gantry-csrf": csrfToken }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
}

const alertsPath = () => `/api/v1/dashboard/projects/${api.seed.projectRef}/alerts`;

beforeAll(async () => {
  hook = await startHttpReceiver();
  slack = await startHttpReceiver();
  smtp = await startSmtpReceiver();
  api = await startTestApi({
    env: {
      GANTRY_ALERT_POLL_MS: "100",
      GANTRY_ALERT_RETRY_BASE_MS: "100",
      GANTRY_ALERT_MAX_ATTEMPTS: "3",
      GANTRY_DEPLOY_TIMEOUT_MS: "1000",
      GANTRY_ALERT_SLACK_URL_PREFIXES: `${slack.url}/services/`,
      GANTRY_SMTP_URL: smtp.url,
    },
  });
  http = client(api.url);
  b = await browser();
});
afterAll(async () => {
  await api?.close();
  await hook?.close();
  await slack?.close();
  await smtp?.close();
});

async function failRun(key: string, taskId: string): Promise<string> {
  const triggered = await http.call("POST", `/api/v1/tasks/${taskId}/trigger`, { key, body: { payload: { n: 1 }, options: { tags: ["alerting"] } } });
  expect(triggered.status).toBe(200);
  const runId = triggered.body.id as string;
  const runner = fakeRunner(http, api.seed.runnerToken);
  const started = await runner.start([runId]);
  expect(started.body.results[0]).toMatchObject({ runId, ok: true });
  const done = await runner.complete(runId, started.body.results[0].execution.attempt.number, failure("database unreachable"));
  expect(done.status).toBe(200);
  return runId;
}

describe("alert channels", () => {
  it("refuses bad channels with the field named, and writes without the CSRF token", async () => {
    const before = (await b("GET", alertsPath())).body.data.length;
    const ftp = await b("POST", alertsPath(), { name: "x", type: "WEBHOOK", target: "ftp://example.com/hook", events: ["alert.run.failed"] });
    expect(ftp.status).toBe(400);
    expect(ftp.body.param).toBe("target");
    const slackElsewhere = await b("POST", alertsPath(), { name: "x", type: "SLACK", target: "https://example.com/hook", events: ["alert.run.failed"] });
    expect(slackElsewhere.status).toBe(400);
    expect(slackElsewhere.body.error).toMatch(/Slack/);
    const badEvent = await b("POST", alertsPath(), { name: "x", type: "WEBHOOK", target: `${hook.url}/x`, events: ["alert.run.succeeded"] });
    expect(badEvent.status).toBe(400);
    const badEmail = await b("POST", alertsPath(), { name: "x", type: "EMAIL", target: "not-an-address", events: ["alert.run.failed"] });
    expect(badEmail.status).toBe(400);
    const noCsrf = await b("POST", alertsPath(), { name: "x", type: "WEBHOOK", target: `${hook.url}/x`, events: ["alert.run.failed"] }, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect((await b("GET", alertsPath())).body.data.length).toBe(before);
  });

  it("a failed run in prod is delivered, signed, to the webhook, to Slack and by email; a staging run is not (channels chose prod)", async () => {
    const webhook = await b("POST", alertsPath(), {
      name: "ops webhook",
      type: "WEBHOOK",
      target: `${hook.url}/alerts`,
      events: ["alert.run.failed", "alert.deployment.success", "alert.deployment.failed"],
      environmentTypes: ["PRODUCTION"],
    });
    expect(webhook.status).toBe(201);
    expect(webhook.body.secret).toMatch(/^whsec_/);
    const slackChannel = await b("POST", alertsPath(), { name: "slack", type: "SLACK", target: `${slack.url}/services/T0/B0/x`, events: ["alert.run.failed"], environmentTypes: ["PRODUCTION"] });
    expect(slackChannel.status).toBe(201);
    const email = await b("POST", alertsPath(), { name: "mail", type: "EMAIL", target: "oncall@example.com, lead@example.com", events: ["alert.run.failed"], environmentTypes: ["PRODUCTION"] });
    expect(email.status).toBe(201);

    const prodKey = api.seed.environments.prod.apiKey;
    const deployment = await deployTasks(http, prodKey, [{ id: "flaky" }], { retries: { enabledInDev: false, default: { maxAttempts: 1 } } });
    const deployed = await eventually(() => hook.requests.find((r) => r.body.includes("alert.deployment.success")), "the deployment alert");
    const deployEvent = await webhooks.constructEvent(deployed.body, String(deployed.headers[SIG]), webhook.body.secret);
    expect(deployEvent.type).toBe("alert.deployment.success");
    if (deployEvent.type === "alert.deployment.success") {
      expect(deployEvent.object.deployment).toMatchObject({ id: deployment.id, version: deployment.version, status: "DEPLOYED" });
      expect(deployEvent.object.tasks.map((t) => t.id)).toEqual(["flaky"]);
      expect(deployEvent.object.environment).toMatchObject({ type: "PRODUCTION", slug: "prod" });
    }

    const stagingKey = api.seed.environments.staging.apiKey;
    await deployTasks(http, stagingKey, [{ id: "flaky" }]);
    const stagingRun = await failRun(stagingKey, "flaky");
    const runId = await failRun(prodKey, "flaky");

    const received = await eventually(() => hook.requests.find((r) => r.body.includes(runId)), "the run-failed webhook");
    expect(received.headers["content-type"]).toMatch(/application\/json/);
    const signature = String(received.headers[SIG]);
    // our SDK and the official one both verify it
    const event = await webhooks.constructEvent(received.body, signature, webhook.body.secret);
    const official = await officialWebhooks.constructEvent({ payload: received.body, header: signature }, webhook.body.secret);
    expect(official.type).toBe("alert.run.failed");
    expect(event.type).toBe("alert.run.failed");
    if (event.type !== "alert.run.failed") throw new Error("unreachable");
    expect(event.object.run).toMatchObject({ id: runId, status: "FAILED", tags: ["alerting"], isTest: false, number: 1 });
    expect(event.object.run.error).toMatchObject({ type: "BUILT_IN_ERROR", message: "database unreachable" });
    expect(event.object.run.dashboardUrl).toContain(runId);
    expect(event.object.task).toMatchObject({ id: "flaky", version: deployment.version, filePath: "src/trigger/flaky.ts" });
    expect(event.object.project.ref).toBe(api.seed.projectRef);

    // a wrong secret or a changed body is refused
    await expect(webhooks.constructEvent(received.body, signature, "whsec_wrong")).rejects.toBeInstanceOf(WebhookError);
    await expect(webhooks.constructEvent(received.body.replace("database", "Database"), signature, webhook.body.secret)).rejects.toThrow(/Invalid signature/);
    await expect(webhooks.constructEvent(new Request("http://x", { method: "POST", body: received.body }), webhook.body.secret)).rejects.toThrow(/signature/);
    const viaRequest = await webhooks.constructEvent(new Request("http://x", { method: "POST", body: received.body, headers: { [SIG]: signature } }), webhook.body.secret);
    expect(viaRequest.id).toBe(event.id);

    const slackMessage = await eventually(() => slack.requests.find((r) => r.body.includes(runId)), "the Slack message");
    expect(slackMessage.path).toBe("/services/T0/B0/x");
    expect(JSON.parse(slackMessage.body).text).toMatch(/database unreachable/);

    const mail = await eventually(() => smtp.mails.find((m) => m.data.includes(runId)), "the email");
    expect(mail.to).toEqual(["oncall@example.com", "lead@example.com"]);
    expect(mail.from).toBe("alerts@gantry.test");
    expect(mail.auth).toBe("\0alerts\0s3cret");
    expect(mail.data).toMatch(/Subject: \[Gantry\] Run .* FAILED/);

    const listed = await eventually(async () => {
      const l = await b("GET", alertsPath());
      const mine = l.body.deliveries.filter((d: { subjectId: string }) => d.subjectId === runId);
      return mine.length === 3 && mine.every((d: { status: string }) => d.status === "SUCCEEDED") && mine;
    }, "three delivered alerts");
    expect(listed.map((d: { channelName: string }) => d.channelName).sort()).toEqual(["mail", "ops webhook", "slack"]);
    // the staging run (staging is not among the channels' environments) alerted nobody
    expect(hook.requests.some((r) => r.body.includes(stagingRun))).toBe(false);
    expect((await b("GET", alertsPath())).body.deliveries.some((d: { subjectId: string }) => d.subjectId === stagingRun)).toBe(false);

    // a failed deployment alerts too
    const created = await http.call("POST", "/api/v1/deployments", { key: prodKey, body: { sdkVersion: (await import("../deployments/sdk-version.js")).PLATFORM_SDK_VERSION } });
    expect((await http.call("POST", `/api/v1/deployments/${created.body.id}/fail`, { key: prodKey, body: { error: { name: "BuildError", message: "esbuild: Could not resolve ./missing" } } })).status).toBe(200);
    const failedDeploy = await eventually(() => hook.requests.find((r) => r.body.includes("alert.deployment.failed")), "the failed-deployment alert");
    const failedEvent = await officialWebhooks.constructEvent({ payload: failedDeploy.body, header: String(failedDeploy.headers[SIG]) }, webhook.body.secret);
    expect(failedEvent.type).toBe("alert.deployment.failed");
    expect(JSON.parse(failedDeploy.body).object.error).toMatchObject({ name: "Error", message: "esbuild: Could not resolve ./missing" });

    // clean up for the next tests: these channels stop alerting
    for (const c of [webhook, slackChannel, email]) expect((await b("DELETE", `${alertsPath()}/${c.body.id}`)).status).toBe(200);
  });

  it("retries with backoff until the receiver answers, and gives up after the last attempt", async () => {
    const receiver = await startHttpReceiver();
    try {
      const channel = await b("POST", alertsPath(), { name: "flaky receiver", type: "WEBHOOK", target: `${receiver.url}/in`, events: ["alert.run.failed"] });
      receiver.failNext(2);
      const runId = await failRun(api.seed.environments.prod.apiKey, "flaky");
      const delivered = await eventually(async () => {
        const d = (await b("GET", alertsPath())).body.deliveries.find((x: { subjectId: string; channelId: string }) => x.subjectId === runId && x.channelId === channel.body.id);
        return d?.status === "SUCCEEDED" && d;
      }, "the third attempt to succeed");
      expect(delivered.attempts).toBe(3);
      const bodies = receiver.requests.filter((r) => r.body.includes(runId));
      expect(bodies).toHaveLength(3);
      // every attempt sends the same event, signed the same way
      expect(new Set(bodies.map((r) => r.body)).size).toBe(1);
      expect(new Set(bodies.map((r) => r.headers[SIG])).size).toBe(1);

      receiver.failNext(100);
      const doomed = await failRun(api.seed.environments.prod.apiKey, "flaky");
      const gaveUp = await eventually(async () => {
        const d = (await b("GET", alertsPath())).body.deliveries.find((x: { subjectId: string }) => x.subjectId === doomed);
        return d?.status === "FAILED" && d;
      }, "the delivery to fail");
      expect(gaveUp).toMatchObject({ attempts: 3, lastStatusCode: 500 });
      expect(gaveUp.lastError).toMatch(/500: receiver down/);

      // disabled: no new deliveries
      expect((await b("PATCH", `${alertsPath()}/${channel.body.id}`, { enabled: false })).body.enabled).toBe(false);
      receiver.failNext(0);
      const quiet = await failRun(api.seed.environments.prod.apiKey, "flaky");
      const deliveries = (await b("GET", alertsPath())).body.deliveries;
      expect(deliveries.some((d: { subjectId: string }) => d.subjectId === quiet)).toBe(false);
      await b("DELETE", `${alertsPath()}/${channel.body.id}`);
    } finally {
      await receiver.close();
    }
  });

  it("records what the immediate paths missed: a deployment timed out by the sweep, a failure whose hook never ran", async () => {
    const receiver = await startHttpReceiver();
    try {
      const channel = await b("POST", alertsPath(), { name: "catch-up", type: "WEBHOOK", target: `${receiver.url}/in`, events: ["alert.run.failed", "alert.deployment.failed"] });
      // a deployment whose CLI vanished: the timeout sweep marks it TIMED_OUT (no alert call on that path)
      const prodKey = api.seed.environments.prod.apiKey;
      const { PLATFORM_SDK_VERSION } = await import("../deployments/sdk-version.js");
      const stale = await http.call("POST", "/api/v1/deployments", { key: prodKey, body: { sdkVersion: PLATFORM_SDK_VERSION } });
      const timedOut = await eventually(() => receiver.requests.find((r) => r.body.includes(stale.body.id)), "the timed-out deployment's alert");
      const event = await webhooks.constructEvent(timedOut.body, String(timedOut.headers[SIG]), channel.body.secret);
      expect(event.type).toBe("alert.deployment.failed");
      expect(JSON.parse(timedOut.body).object.deployment.status).toBe("TIMED_OUT");

      // a failed run whose delivery was never recorded (its instance stopped right after the commit)
      const runId = await failRun(prodKey, "flaky");
      await eventually(() => receiver.requests.find((r) => r.body.includes(runId)), "the run alert");
      await api.deps.sql`delete from alert_deliveries where subject_id = ${runId}`;
      const before = receiver.requests.filter((r) => r.body.includes(runId)).length;
      await eventually(() => receiver.requests.filter((r) => r.body.includes(runId)).length > before, "the missed run alert to be recorded and sent");
      const [row] = await api.deps.sql<{ n: number }[]>`select count(*)::int as n from alert_deliveries where subject_id = ${runId}`;
      expect(row?.n).toBe(1);
      await b("DELETE", `${alertsPath()}/${channel.body.id}`);
    } finally {
      await receiver.close();
    }
  });

  it("a delivery claimed by an instance that died is sent by another once its claim lapses", async () => {
    const receiver = await startHttpReceiver();
    try {
      const channel = await b("POST", alertsPath(), { name: "survivor", type: "WEBHOOK", target: `${receiver.url}/in`, events: ["alert.run.failed"] });
      const deployment = await deployTasks(http, api.seed.environments.prod.apiKey, [{ id: "flaky" }]);
      // what an instance that claimed the delivery and died leaves behind: a DELIVERING row, claimed until later
      const row = (await selectDeploymentForAlert(api.deps.sql, deployment.id))!;
      const body = deploymentBody(row, "alert.deployment.success", new Date());
      await api.deps.sql.begin(async (tx) => {
        await insertDeliveries(tx, [{ id: "alertd_crashed", channelId: channel.body.id, projectId: api.seed.projectId, eventType: "alert.deployment.success", subjectId: `${deployment.id}-replay`, body }], 3);
        await tx`update alert_deliveries set status = 'DELIVERING', attempts = 1, next_attempt_at = now() + interval '1 hour' where id = 'alertd_crashed'`;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver.requests).toHaveLength(0); // the claim is live: nobody else sends it
      await api.deps.sql`update alert_deliveries set next_attempt_at = now() - interval '1 second' where id = 'alertd_crashed'`;
      const req = await eventually(() => receiver.requests[0], "the lapsed delivery to be sent");
      expect(JSON.parse(req.body).object.deployment.id).toBe(deployment.id);
      await eventually(async () => {
        const [r] = await api.deps.sql<{ status: string; attempts: number }[]>`select status, attempts from alert_deliveries where id = 'alertd_crashed'`;
        return r?.status === "SUCCEEDED" && r.attempts === 2;
      }, "the delivery to be recorded as sent on attempt 2");
    } finally {
      await receiver.close();
    }
  });
});
