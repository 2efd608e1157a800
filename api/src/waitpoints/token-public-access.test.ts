// A token created inside a task gets its public access token from the api (a run's token cannot sign one), the
// same shape as outside a task: it completes that token from a browser, and no other.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signRunToken } from "../auth/run-token.js";
import { startTestApi, type TestApi } from "../testing/harness.js";

let api: TestApi;
let runId: string;
let runToken: string;

beforeAll(async () => {
  api = await startTestApi();
  const prod = api.seed.environments.prod;
  const res = await post("/api/v1/tasks/any-task/trigger", prod.apiKey, { payload: {} });
  expect(res.status).toBe(200);
  runId = ((await res.json()) as { id: string }).id;
  runToken = signRunToken(api.deps.config, { environmentId: prod.id, runId, attemptNumber: 1 });
});
afterAll(async () => {
  await api?.close();
});

function post(path: string, token: string, body: unknown): Promise<Response> {
  return fetch(`${api.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function tokenStatus(id: string): Promise<string> {
  const res = await fetch(`${api.url}/api/v1/waitpoints/tokens/${id}`, { headers: { authorization: `Bearer ${api.seed.environments.prod.apiKey}` } });
  return ((await res.json()) as { status: string }).status;
}

function claims(jwt: string): { scopes: string[]; exp: number; sub: string } {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as { scopes: string[]; exp: number; sub: string };
}

type TokenAnswer = { status: "TOKEN"; token: { id: string; url: string; isCached: boolean; publicAccessToken: string } };

describe("wait.createToken inside a task", () => {
  it("answers with a public access token for that token, lasting 24 h, and again the same token on a replay", async () => {
    const res = await post(`/api/v1/runs/${runId}/waits`, runToken, { step: 0, wait: { type: "createToken", token: { timeout: "10m" } } });
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as TokenAnswer;
    expect(token.id).toMatch(/^waitpoint_/);
    const c = claims(token.publicAccessToken);
    expect(c.scopes).toEqual([`write:waitpoints:${token.id}`]);
    expect(c.sub).toBe(api.seed.environments.prod.id);
    const nowS = api.deps.clock().getTime() / 1000;
    expect(c.exp - nowS).toBeGreaterThan(23 * 3600);
    expect(c.exp - nowS).toBeLessThanOrEqual(24 * 3600 + 1);

    // an attempt replaying the run reaches the step again: the same token, with a public access token too
    const again = (await (await post(`/api/v1/runs/${runId}/waits`, runToken, { step: 0, wait: { type: "createToken", token: {} } })).json()) as TokenAnswer;
    expect(again.token).toMatchObject({ id: token.id, isCached: true });
    expect(claims(again.token.publicAccessToken).scopes).toEqual([`write:waitpoints:${token.id}`]);
  });

  it("a token that times out after 24 h gets a public access token that lasts until its timeout", async () => {
    const res = await post(`/api/v1/runs/${runId}/waits`, runToken, { step: 1, wait: { type: "createToken", token: { timeout: "4w" } } });
    const { token } = (await res.json()) as TokenAnswer;
    const days = (claims(token.publicAccessToken).exp - api.deps.clock().getTime() / 1000) / 86400;
    expect(days).toBeGreaterThan(27.9);
    expect(days).toBeLessThanOrEqual(28.01);
  });

  it("the public access token completes its token from a browser, and no other token", async () => {
    const first = (await (await post(`/api/v1/runs/${runId}/waits`, runToken, { step: 2, wait: { type: "createToken", token: {} } })).json()) as TokenAnswer;
    const second = (await (await post(`/api/v1/runs/${runId}/waits`, runToken, { step: 3, wait: { type: "createToken", token: {} } })).json()) as TokenAnswer;
    const browser = first.token.publicAccessToken;

    const other = await post(`/api/v1/waitpoints/tokens/${second.token.id}/complete`, browser, { data: { approved: true } });
    expect(other.status).toBe(403);
    expect(await tokenStatus(second.token.id)).toBe("WAITING");

    const own = await post(`/api/v1/waitpoints/tokens/${first.token.id}/complete`, browser, { data: { approved: true } });
    expect(own.status).toBe(200);
    expect(await tokenStatus(first.token.id)).toBe("COMPLETED");
    // nothing else: not even reading its own token
    expect((await fetch(`${api.url}/api/v1/waitpoints/tokens/${first.token.id}`, { headers: { authorization: `Bearer ${browser}` } })).status).toBe(403);
  });

  it("POST /api/v1/waitpoints/tokens with a run's token sends x-trigger-jwt for that token (the official client returns it); a secret key gets claims to sign", async () => {
    const byRun = await post("/api/v1/waitpoints/tokens", runToken, { timeout: "10m" });
    expect(byRun.status).toBe(200);
    const { id } = (await byRun.json()) as { id: string };
    const jwt = byRun.headers.get("x-trigger-jwt");
    expect(jwt).toBeTruthy();
    expect(claims(jwt!).scopes).toEqual([`write:waitpoints:${id}`]);
    expect((await post(`/api/v1/waitpoints/tokens/${id}/complete`, jwt!, {})).status).toBe(200);

    const bySecretKey = await post("/api/v1/waitpoints/tokens", api.seed.environments.prod.apiKey, {});
    expect(bySecretKey.headers.get("x-trigger-jwt")).toBeNull();
    expect(JSON.parse(bySecretKey.headers.get("x-trigger-jwt-claims")!)).toMatchObject({ sub: api.seed.environments.prod.id, pub: true });
  });
});
