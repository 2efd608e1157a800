import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signJwt } from "../crypto/jwt.js";
import { openSse } from "../realtime/sse-test-client.js";
import { type Client, startDeployedTestApi } from "../runner-api/test-helpers.js";
import type { TestApi } from "../testing/harness.js";
import { JWT_AUDIENCE, JWT_ISSUER } from "./public-token.js";

let api: TestApi;
let http: Client;
let key: string;
let runA: string;
let runB: string;

beforeAll(async () => {
  ({ api, http, key } = await startDeployedTestApi([{ id: "hello" }, { id: "email" }]));
  runA = (await trigger("hello", key, ["customer:a"])).body.id;
  runB = (await trigger("hello", key, ["customer:b"])).body.id;
});

afterAll(async () => {
  await api?.close();
});

function trigger(taskId: string, token: string, tags: string[] = []) {
  return http.call("POST", `/api/v1/tasks/${taskId}/trigger`, { key: token, body: { payload: "{}", options: { payloadType: "application/json", tags } } });
}

/** A token as the official client signs it: HS256 with the secret key, the server's claims plus scopes. */
function selfSigned(scopes: string[], extra: Record<string, unknown> = {}, secretKey = key) {
  const now = Math.floor(Date.now() / 1000);
  return signJwt({ sub: api.seed.environments.prod.id, pub: true, scopes, iss: JWT_ISSUER, aud: JWT_AUDIENCE, iat: now, exp: now + 900, ...extra }, secretKey);
}

async function sseStatus(path: string, token: string): Promise<number> {
  const s = await openSse(`${api.url}${path}`, token);
  s.close();
  return s.status;
}

describe("public access tokens", () => {
  it("a token scoped to run A reads run A (REST and realtime) and not run B", async () => {
    const token = selfSigned([`read:runs:${runA}`]);
    expect((await http.call("GET", `/api/v3/runs/${runA}`, { key: token })).status).toBe(200);
    expect((await http.call("GET", `/api/v3/runs/${runB}`, { key: token })).status).toBe(403);
    expect(await sseStatus(`/realtime/v1/runs/${runA}`, token)).toBe(200);
    expect(await sseStatus(`/realtime/v1/runs/${runB}`, token)).toBe(403);
    expect(await sseStatus(`/realtime/v1/runs?tags=customer:a`, token)).toBe(403);
    expect((await http.call("POST", `/api/v2/runs/${runA}/cancel`, { key: token })).status).toBe(403);
  });

  it("a tag scope reads the runs with that tag only, one at a time or subscribed by tag", async () => {
    const token = selfSigned(["read:tags:customer:a"]);
    expect((await http.call("GET", `/api/v3/runs/${runA}`, { key: token })).status).toBe(200);
    expect((await http.call("GET", `/api/v3/runs/${runB}`, { key: token })).status).toBe(403);
    expect(await sseStatus(`/realtime/v1/runs?tags=customer:a`, token)).toBe(200);
    expect(await sseStatus(`/realtime/v1/runs?tags=customer:a,customer:b`, token)).toBe(403);
    expect(await sseStatus(`/realtime/v1/runs/${runB}`, token)).toBe(403);
  });

  it("rejects malformed, expired and foreign-signed JWTs with 401", async () => {
    for (const bad of ["eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.sig", "a.b.c", "not-a-token"]) {
      const res = await http.call("GET", `/api/v3/runs/${runA}`, { key: bad });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatch(/Invalid API key/);
    }
    const now = Math.floor(Date.now() / 1000);
    const expired = await http.call("GET", `/api/v3/runs/${runA}`, { key: selfSigned([`read:runs:${runA}`], { iat: now - 7200, exp: now - 3600 }) });
    expect(expired.status).toBe(401);
    expect(expired.body.error).toMatch(/expired/);
    const foreign = selfSigned([`read:runs:${runA}`], {}, api.seed.environments.staging.apiKey);
    expect((await http.call("GET", `/api/v3/runs/${runA}`, { key: foreign })).status).toBe(401);
  });

  it("a one-time trigger token triggers once; its response carries a token that reads the new run", async () => {
    const token = selfSigned(["trigger:tasks:email"], { otu: true });
    const first = await trigger("email", token);
    expect(first.status).toBe(200);
    const runToken = first.headers.get("x-trigger-jwt");
    expect(runToken).toBeTruthy();
    expect((await http.call("GET", `/api/v3/runs/${first.body.id}`, { key: runToken! })).status).toBe(200);
    expect((await http.call("GET", `/api/v3/runs/${runA}`, { key: runToken! })).status).toBe(403);

    const again = await trigger("email", token);
    expect(again.status).toBe(401);
    expect(again.body.error).toMatch(/already used/);
    // the use is in the record, not in Redis
    const [row] = await api.deps.sql`select count(*)::int as n from public_token_uses`;
    expect(row!.n).toBe(1);
    expect((await trigger("hello", selfSigned(["trigger:tasks:email"]))).status).toBe(403);
  });

  it("mints tokens server-side with object scopes and an expiry; a public token cannot mint", async () => {
    const res = await http.call("POST", "/api/v1/auth/public-tokens", {
      key,
      body: { scopes: { read: { runs: [runB] } }, expirationTime: "1hr" },
    });
    expect(res.status).toBe(200);
    const token = res.body.token as string;
    const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    expect(payload).toMatchObject({ sub: api.seed.environments.prod.id, pub: true, scopes: [`read:runs:${runB}`] });
    expect(payload.exp - payload.iat).toBe(3600);
    expect((await http.call("GET", `/api/v3/runs/${runB}`, { key: token })).status).toBe(200);
    expect((await http.call("GET", `/api/v3/runs/${runA}`, { key: token })).status).toBe(403);

    expect((await http.call("POST", "/api/v1/auth/public-tokens", { key: token, body: { scopes: ["read:runs"] } })).status).toBe(403);
    const bad = await http.call("POST", "/api/v1/auth/public-tokens", { key, body: { expirationTime: "soon" } });
    expect(bad.status).toBe(400);
    expect(bad.body.param).toBe("expirationTime");
  });

  it("answers CORS preflights so browsers can trigger and subscribe", async () => {
    const res = await fetch(`${api.url}/api/v1/tasks/email/trigger`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toMatch(/authorization/);
    const get = await fetch(`${api.url}/api/v3/runs/${runA}`, { headers: { origin: "https://app.example.com", authorization: `Bearer ${key}` } });
    expect(get.headers.get("access-control-allow-origin")).toBe("*");
  });
});
