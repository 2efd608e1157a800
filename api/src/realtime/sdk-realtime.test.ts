import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, configure, envvars, runs, tasks, type RealtimeRun, type Task } from "@gantry/sdk";
import { client, deployTasks } from "../runner-api/test-helpers.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { publishRunChanges } from "./publish.js";

// The SDK's realtime, auth and envvars clients against a real api.
let api: TestApi;
let key: string;
type Hello = Task<"hello", { n: number }, { doubled: number }>;

beforeAll(async () => {
  api = await startTestApi({ env: { GANTRY_RECONCILE_INTERVAL_MS: "600000" } });
  key = api.seed.environments.prod.apiKey;
  await deployTasks(client(api.url), key, [{ id: "hello" }, { id: "email" }]);
  configure({ secretKey: key, baseURL: api.url, requestOptions: { retry: { maxAttempts: 1 } } });
});

afterAll(async () => {
  configure({});
  await api?.close();
});

async function finish(runId: string, metadata?: unknown): Promise<void> {
  if (metadata) await api.deps.sql`update runs set status = 'EXECUTING', metadata = ${api.deps.sql.json(metadata as never)} where id = ${runId}`;
  else await api.deps.sql`update runs set status = 'COMPLETED', completed_at = now(), output = '{"json":{"doubled":2}}', output_type = 'application/super+json' where id = ${runId}`;
  publishRunChanges(api.deps, [{ runId, environmentId: api.seed.environments.prod.id }]);
}

describe("SDK realtime", () => {
  it("runs.subscribeToRun yields typed, decoded states and stops on completion", async () => {
    const handle = await tasks.trigger<Hello>("hello", { n: 1 });
    const seen: RealtimeRun<Hello>[] = [];
    for await (const run of runs.subscribeToRun<Hello>(handle.id)) {
      seen.push(run);
      if (seen.length === 1) await finish(handle.id, { step: "a" });
      if (seen.length === 2) await finish(handle.id);
    }
    expect(seen.map((r) => r.status)).toEqual(["QUEUED", "EXECUTING", "COMPLETED"]);
    expect(seen[0]!.payload).toEqual({ n: 1 });
    expect(seen[1]!.metadata).toEqual({ step: "a" });
    expect(seen[2]!.output?.doubled).toBe(2);
    expect(seen[2]!.isSuccess).toBe(true);
  });

  it("a handle's public token subscribes to its run from a browser-like client, not to others", async () => {
    const a = await tasks.trigger<Hello>("hello", { n: 2 });
    const b = await tasks.trigger<Hello>("hello", { n: 3 });
    const sub = runs.subscribeToRun<Hello>(a.id, { accessToken: a.publicAccessToken, baseURL: api.url });
    for await (const run of sub) {
      expect(run.id).toBe(a.id);
      break;
    }
    const denied = runs.subscribeToRun(b.id, { accessToken: a.publicAccessToken, baseURL: api.url });
    await expect(denied[Symbol.asyncIterator]().next()).rejects.toMatchObject({ status: 403 });
  });

  it("subscribeToRunsWithTag follows tagged runs; a trigger token triggers once", async () => {
    const trigger = await auth.createTriggerPublicToken("email");
    const readTag = await auth.createPublicToken({ scopes: { read: { tags: ["campaign:9"] } }, expirationTime: "1hr" });
    const sub = runs.subscribeToRunsWithTag("campaign:9", { accessToken: readTag, baseURL: api.url });
    const it = sub[Symbol.asyncIterator]();

    configure({ secretKey: trigger, baseURL: api.url, requestOptions: { retry: { maxAttempts: 1 } } });
    try {
      const handle = await tasks.trigger("email", { to: "x" }, { tags: ["campaign:9"] });
      expect(handle.publicAccessToken).toMatch(/^ey/);
      const first = await it.next();
      expect(first.value).toMatchObject({ id: handle.id, taskIdentifier: "email", tags: ["campaign:9"] });
      await expect(tasks.trigger("email", { to: "y" })).rejects.toMatchObject({ status: 401 });
    } finally {
      configure({ secretKey: key, baseURL: api.url, requestOptions: { retry: { maxAttempts: 1 } } });
      sub.unsubscribe();
    }
  });
});

describe("SDK auth", () => {
  it("auth.withAuth acts with a public token, then restores the configured secret key", async () => {
    const a = await tasks.trigger<Hello>("hello", { n: 7 });
    const b = await tasks.trigger<Hello>("hello", { n: 8 });
    const token = await auth.createPublicToken({ scopes: { read: { runs: [a.id] } } });
    const seen = await auth.withAuth({ accessToken: token }, () => runs.retrieve(a.id));
    expect(seen.id).toBe(a.id);
    await expect(auth.withAuth({ accessToken: token }, () => runs.retrieve(b.id))).rejects.toMatchObject({ status: 403 });
    // the secret key is back: it may trigger and read anything in its environment
    expect((await runs.retrieve(b.id)).id).toBe(b.id);
  });
});

describe("SDK envvars", () => {
  it("create, list, retrieve, update, upload (.env), del", async () => {
    const ref = api.seed.projectRef;
    await envvars.create(ref, "prod", { name: "A", value: "1" });
    await envvars.create(ref, "prod", { name: "S", value: "hidden", isSecret: true });
    await envvars.upload(ref, "prod", { variables: "B=2\nexport C=\"three\"\n" });
    await envvars.update(ref, "prod", "A", { value: "one" });
    expect(await envvars.list(ref, "prod")).toEqual([
      { name: "A", value: "one", isSecret: false },
      { name: "B", value: "2", isSecret: false },
      { name: "C", value: "three", isSecret: false },
      { name: "S", value: "", isSecret: true },
    ]);
    expect(await envvars.retrieve(ref, "prod", "B")).toEqual({ name: "B", value: "2", isSecret: false });
    await envvars.del(ref, "prod", "B");
    await expect(envvars.retrieve(ref, "prod", "B")).rejects.toMatchObject({ status: 404 });
    await expect(envvars.upload(ref, "prod", { variables: "oops" })).rejects.toMatchObject({ status: 400 });
  });
});
