import { createElement } from "react";
import TestRenderer, { act } from "react-test-renderer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, configure, streams, tasks, type Task } from "@gantry/sdk";
import { useRealtimeRunsWithTag, useRealtimeStream, useRealtimeTaskTrigger } from "@gantry/sdk/react";
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
});
