// POST /api/v1/runs/{runId}/tags (`tags.add` inside a run): limits, auth, and who sees the new tags.
// Real api, Postgres, Redis; the official client's addTags for the wire shape.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, UnprocessableEntityError } from "@trigger.dev/core/v3";
import { signRunToken } from "../auth/run-token.js";
import { openSse } from "../realtime/sse-test-client.js";
import { type Client, startDeployedTestApi } from "../runner-api/test-helpers.js";
import type { TestApi } from "../testing/harness.js";

let api: TestApi;
let http: Client;
let key: string;

beforeAll(async () => {
  ({ api, http, key } = await startDeployedTestApi([{ id: "job" }]));
});

afterAll(async () => {
  await api?.close();
});

const tokenOf = (runId: string) => signRunToken(api.deps.config, { environmentId: api.seed.environments.prod.id, runId, attemptNumber: 1 });

async function trigger(tags: string[] = []): Promise<string> {
  const res = await http.call("POST", "/api/v1/tasks/job/trigger", { key, body: { payload: "{}", options: { payloadType: "application/json", tags } } });
  expect(res.status).toBe(200);
  return res.body.id as string;
}

const tagsOf = async (runId: string) => (await http.call("GET", `/api/v3/runs/${runId}`, { key })).body.tags as string[];
const addTags = (runId: string, tags: unknown, token = tokenOf(runId)) => http.call("POST", `/api/v1/runs/${runId}/tags`, { key: token, body: { tags } });

describe("adding tags to a run", () => {
  it("a run adds tags with its token: kept after the trigger's, once each; retrieve and runs.list see them", async () => {
    const runId = await trigger(["from-trigger"]);
    const one = await addTags(runId, "video:1");
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ message: "Successfully set 1 new tag." });
    const more = await addTags(runId, ["video:1", "user_7", "from-trigger", "user_8"]);
    expect(more.body).toEqual({ message: "Successfully set 2 new tags." });
    expect(await tagsOf(runId)).toEqual(["from-trigger", "video:1", "user_7", "user_8"]);
    const listed = await http.call("GET", "/api/v1/runs?filter[tag]=user_7", { key });
    expect(listed.body.data.map((r: { id: string }) => r.id)).toEqual([runId]);
  });

  it("a subscriber to a tag sees the run once it gets the tag", async () => {
    const runId = await trigger();
    const stream = await openSse(`${api.url}/realtime/v1/runs?tags=late-tag`, key);
    try {
      expect((await addTags(runId, "late-tag")).status).toBe(200);
      const event = await stream.next();
      expect(event.data.id).toBe(runId);
      expect(event.data.tags).toEqual(["late-tag"]);
    } finally {
      stream.close();
    }
  });

  it("past 10 tags: 422 naming tags, and none of the new ones is added", async () => {
    const initial = Array.from({ length: 8 }, (_, i) => `t${i}`);
    const runId = await trigger(initial);
    const res = await addTags(runId, ["t0", "n1", "n2", "n3"]);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "unprocessable", param: "tags" });
    expect(res.body.error).toContain("n3");
    expect(await tagsOf(runId)).toEqual(initial);
    // up to 10 is fine
    expect((await addTags(runId, ["n1", "n2"])).status).toBe(200);
    expect(await tagsOf(runId)).toEqual([...initial, "n1", "n2"]);
  });

  it("bad input is a 400 naming tags, nothing added", async () => {
    const runId = await trigger(["keep"]);
    for (const bad of ["", "x".repeat(129), ["ok", ""], 42, undefined]) {
      const res = await addTags(runId, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.param, JSON.stringify(bad)).toBe("tags");
    }
    expect(await tagsOf(runId)).toEqual(["keep"]);
    expect((await addTags(runId, "x".repeat(128))).status).toBe(200);
  });

  it("a run token tags its own run only (403); the secret key tags any run of its environment; other environments get 404", async () => {
    const mine = await trigger();
    const other = await trigger(["theirs"]);
    const denied = await addTags(other, "intruder", tokenOf(mine));
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe("forbidden");
    expect(await tagsOf(other)).toEqual(["theirs"]);
    expect((await addTags(other, "by-key", key)).status).toBe(200);
    expect(await tagsOf(other)).toEqual(["theirs", "by-key"]);
    expect((await addTags(other, "x", api.seed.environments.staging.apiKey)).status).toBe(404);
    expect((await addTags("run_doesnotexist", "x", key)).status).toBe(404);
  });

  it("the official client's addTags: its body and answer, and a 422 it reports as UnprocessableEntityError", async () => {
    const runId = await trigger();
    const official = new ApiClient(api.url, tokenOf(runId));
    await expect(official.addTags(runId, { tags: ["a", "b"] })).resolves.toEqual({ message: "Successfully set 2 new tags." });
    const tooMany = Array.from({ length: 9 }, (_, i) => `z${i}`);
    await expect(official.addTags(runId, { tags: tooMany }, { retry: { maxAttempts: 1 } })).rejects.toBeInstanceOf(UnprocessableEntityError);
    expect(await tagsOf(runId)).toEqual(["a", "b"]);
  });
});
