import { createElement } from "react";
import TestRenderer, { act } from "react-test-renderer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, configure, runs as sdkRuns, streams, tasks, wait, type Task } from "@gantry/sdk";
import { useRealtimeBatch, useRealtimeRunsWithTag, useRealtimeStream, useRealtimeTaskTrigger, useWaitToken } from "@gantry/sdk/react";
import { client, deployTasks } from "../runner-api/test-helpers.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { publishRunChanges } from "./publish.js";

// The React hooks, rendered with react-test-renderer, against a real api.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
let api: TestApi;
type Resize = Task<"resize", { url: string }, { width: number }>;

beforeAll(async () => {
  api = await startTestApi({ env: { GANTRY_RECONCILE_INTERVAL_MS: "600000" } });
  await deployTasks(client(api.url), api.seed.environments.prod.apiKey, [{ id: "resize" }]);
  configure({ secretKey: api.seed.environments.prod.apiKey, baseURL: api.url, requestOptions: { retry: { maxAttempts: 1 } } });
});

afterAll(async () => {
  configure({});
  await api?.close();
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await act(() => new Promise((r) => setTimeout(r, 25)));
  expect(check()).toBe(true);
}

async function finish(runId: string): Promise<void> {
  await api.deps.sql`update runs set status = 'COMPLETED', completed_at = now(), output = '{"json":{"width":640}}', output_type = 'application/super+json' where id = ${runId}`;
  publishRunChanges(api.deps, [{ runId, environmentId: api.seed.environments.prod.id }]);
}

describe("@gantry/sdk/react", () => {
  it("useRealtimeTaskTrigger triggers with a trigger token and renders the run live to completion", async () => {
    const accessToken = await auth.createTriggerPublicToken("resize");
    let state: ReturnType<typeof useRealtimeTaskTrigger<Resize>> | undefined;
    function Widget() {
      state = useRealtimeTaskTrigger<Resize>("resize", { accessToken, baseURL: api.url });
      return createElement("p", null, state.run?.status ?? "idle");
    }
    let renderer!: TestRenderer.ReactTestRenderer;
    await act(async () => {
      renderer = TestRenderer.create(createElement(Widget));
    });
    expect(renderer.toJSON()).toMatchObject({ children: ["idle"] });
    await act(async () => {
      await state!.submit({ url: "https://x/cat.png" });
    });
    expect(state!.error).toBeUndefined();
    const runId = state!.handle!.id;
    await waitFor(() => state!.run?.status === "QUEUED");
    expect(state!.run!.payload).toEqual({ url: "https://x/cat.png" });
    await finish(runId);
    await waitFor(() => state!.run?.status === "COMPLETED");
    expect(state!.run!.output).toEqual({ width: 640 });
    expect(renderer.toJSON()).toMatchObject({ children: ["COMPLETED"] });
    // the trigger token was one-time: a second submit fails
    await act(async () => {
      await state!.submit({ url: "https://x/dog.png" });
    });
    expect(state!.error?.message).toMatch(/already used/);
    await act(async () => renderer.unmount());
  });

  it("useRealtimeRunsWithTag lists tagged runs and useRealtimeStream collects a stream's parts", async () => {
    const first = await tasks.trigger<Resize>("resize", { url: "a" }, { tags: ["album:1"] });
    const readToken = await auth.createPublicToken({ scopes: { read: { tags: ["album:1"], runs: [first.id] } } });
    let runs: ReturnType<typeof useRealtimeRunsWithTag> | undefined;
    let stream: ReturnType<typeof useRealtimeStream<string>> | undefined;
    function Album() {
      runs = useRealtimeRunsWithTag("album:1", { accessToken: readToken, baseURL: api.url });
      stream = useRealtimeStream<string>(first.id, "log", { accessToken: readToken, baseURL: api.url });
      return null;
    }
    let renderer!: TestRenderer.ReactTestRenderer;
    await act(async () => {
      renderer = TestRenderer.create(createElement(Album));
    });
    await waitFor(() => runs!.runs.length === 1);
    const second = await tasks.trigger<Resize>("resize", { url: "b" }, { tags: ["album:1"] });
    publishRunChanges(api.deps, [{ runId: second.id, environmentId: api.seed.environments.prod.id }]);
    await waitFor(() => runs!.runs.length === 2);
    expect(runs!.runs.map((r) => r.id)).toEqual([first.id, second.id]);

    await streams.append("log", "resizing", { target: first.id });
    await streams.append("log", "done", { target: first.id });
    await waitFor(() => stream!.parts.length === 2);
    expect(stream!.parts).toEqual(["resizing", "done"]);
    await act(async () => renderer.unmount());
  });

  it("useRealtimeBatch follows a batch's runs to completion; runs.subscribeToBatch yields the same states", async () => {
    const batch = await tasks.batchTrigger<Resize>("resize", [{ payload: { url: "1" } }, { payload: { url: "2" } }]);
    const [r1, r2] = (await api.deps.sql`select id from runs where batch_id = ${batch.batchId} order by id`).map((r) => r.id as string);
    expect(r2).toBeDefined();
    let state: ReturnType<typeof useRealtimeBatch<Resize>> | undefined;
    function Batch() {
      state = useRealtimeBatch<Resize>(batch.batchId, { accessToken: batch.publicAccessToken, baseURL: api.url });
      return createElement("p", null, `${state.runs.filter((r) => r.status === "COMPLETED").length}/${state.runs.length}`);
    }
    let renderer!: TestRenderer.ReactTestRenderer;
    await act(async () => {
      renderer = TestRenderer.create(createElement(Batch));
    });
    const seen: Array<{ id: string; status: string }> = [];
    const following = (async () => {
      for await (const run of sdkRuns.subscribeToBatch<Resize>(batch.batchId, { accessToken: batch.publicAccessToken, baseURL: api.url })) {
        seen.push({ id: run.id, status: run.status });
        if (seen.filter((r) => r.status === "COMPLETED").length === 2) break;
      }
    })();
    await waitFor(() => state!.runs.length === 2);
    expect(renderer.toJSON()).toMatchObject({ children: ["0/2"] });
    await finish(r1!);
    await waitFor(() => state!.runs.find((r) => r.id === r1)?.status === "COMPLETED");
    expect(renderer.toJSON()).toMatchObject({ children: ["1/2"] });
    await finish(r2!);
    await waitFor(() => renderer.toJSON() !== null && (renderer.toJSON() as { children: string[] }).children[0] === "2/2");
    expect(state!.runs.find((r) => r.id === r2)!.output).toEqual({ width: 640 });
    expect(state!.error).toBeUndefined();
    await following;
    expect(new Set(seen.map((r) => r.id))).toEqual(new Set([r1, r2]));
    expect(seen.filter((r) => r.status === "QUEUED")).toHaveLength(2);
    await act(async () => renderer.unmount());
  });

  it("useWaitToken completes a waitpoint token with its data; a token without the write scope gets an error", async () => {
    const token = await wait.createToken({ timeout: "1h" });
    const readOnly = await auth.createPublicToken({ scopes: { read: { runs: true } } });
    let good: ReturnType<typeof useWaitToken<{ approved: boolean }>> | undefined;
    let bad: ReturnType<typeof useWaitToken<{ approved: boolean }>> | undefined;
    function Approve() {
      good = useWaitToken<{ approved: boolean }>(token.id, { accessToken: token.publicAccessToken, baseURL: api.url });
      bad = useWaitToken<{ approved: boolean }>(token.id, { accessToken: readOnly, baseURL: api.url });
      return null;
    }
    let renderer!: TestRenderer.ReactTestRenderer;
    await act(async () => {
      renderer = TestRenderer.create(createElement(Approve));
    });
    await act(async () => {
      await bad!.complete({ approved: false });
    });
    expect(bad!.isCompleted).toBe(false);
    expect(bad!.error?.message).toMatch(/scope|forbidden|403/i);
    expect((await wait.retrieveToken(token.id)).status).toBe("WAITING");

    await act(async () => {
      await good!.complete({ approved: true });
    });
    expect(good!.error).toBeUndefined();
    expect(good!.isCompleted).toBe(true);
    const done = await wait.retrieveToken<{ approved: boolean }>(token.id);
    expect(done).toMatchObject({ status: "COMPLETED", output: { approved: true } });
    await act(async () => renderer.unmount());
  });

  it("streams.pipe sends a ReadableStream's chunks in order; useRealtimeStream shows them", async () => {
    const run = await tasks.trigger<Resize>("resize", { url: "c" });
    let push!: ReadableStreamDefaultController<{ step: number }>;
    const source = new ReadableStream<{ step: number }>({ start: (controller) => void (push = controller) });
    const piped = streams.pipe("progress", source, { target: run.id });
    let view: ReturnType<typeof useRealtimeStream<{ step: number }>> | undefined;
    function Progress() {
      view = useRealtimeStream<{ step: number }>(run.id, "progress", { accessToken: run.publicAccessToken, baseURL: api.url });
      return null;
    }
    let renderer!: TestRenderer.ReactTestRenderer;
    await act(async () => {
      renderer = TestRenderer.create(createElement(Progress));
    });
    push.enqueue({ step: 1 });
    push.enqueue({ step: 2 });
    await waitFor(() => view!.parts.length === 2); // live, before the source ends
    push.enqueue({ step: 3 });
    push.close();
    await piped.waitUntilComplete();
    await waitFor(() => view!.parts.length === 3);
    expect(view!.parts).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
    const stored = await api.deps.sql`select data from realtime_stream_chunks where run_id = ${run.id} and stream_key = 'progress' order by seq`;
    expect(stored.map((r) => JSON.parse(r.data))).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
    await act(async () => renderer.unmount());
  });
});
