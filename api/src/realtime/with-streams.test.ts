import { createElement } from "react";
import TestRenderer, { act } from "react-test-renderer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configure, runs, streams, tasks, type RealtimeRunWithStreamsPart, type Task } from "@gantry/sdk";
import { useRealtimeRunWithStreams } from "@gantry/sdk/react";
import { client, deployTasks } from "../runner-api/test-helpers.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { publishRunChanges } from "./publish.js";

// Gantry's SDK: runs.subscribeToRun(id).withStreams() and the useRealtimeRunWithStreams hook, against a real api.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
let api: TestApi;
type Ai = Task<"ai", { prompt: string }, { text: string }>;
type Streams = { openai: string; progress: { pct: number } };

beforeAll(async () => {
  api = await startTestApi({ env: { GANTRY_RECONCILE_INTERVAL_MS: "600000" } });
  await deployTasks(client(api.url), api.seed.environments.prod.apiKey, [{ id: "ai" }]);
  configure({ secretKey: api.seed.environments.prod.apiKey, baseURL: api.url, requestOptions: { retry: { maxAttempts: 1 } } });
});

afterAll(async () => {
  configure({});
  await api?.close();
});

async function setStatus(runId: string, status: "EXECUTING" | "COMPLETED"): Promise<void> {
  if (status === "EXECUTING") await api.deps.sql`update runs set status = 'EXECUTING', started_at = now() where id = ${runId}`;
  else await api.deps.sql`update runs set status = 'COMPLETED', completed_at = now(), output = '{"text":"Hello"}', output_type = 'application/json' where id = ${runId}`;
  publishRunChanges(api.deps, [{ runId, environmentId: api.seed.environments.prod.id }]);
}

describe("withStreams", () => {
  it("yields run states and the chunks of each stream as the run writes them, and ends after the run finished", async () => {
    const handle = await tasks.trigger<Ai>("ai", { prompt: "hi" });
    const parts: RealtimeRunWithStreamsPart<Ai, Streams>[] = [];
    let step = 0;
    for await (const part of runs.subscribeToRun<Ai>(handle.id, { accessToken: handle.publicAccessToken }).withStreams<Streams>()) {
      parts.push(part);
      // drive the run from what the subscriber saw, so each step is observed live
      if (step === 0 && part.type === "run" && part.run.status === "QUEUED") {
        step = 1;
        await setStatus(handle.id, "EXECUTING");
        await streams.append("openai", "Hel", { target: handle.id });
      } else if (step === 1 && part.type === "openai") {
        step = 2;
        expect(part.chunk).toBe("Hel");
        expect(part.run.id).toBe(handle.id);
        await streams.append("progress", { pct: 50 }, { target: handle.id });
        await streams.append("openai", "lo", { target: handle.id });
      } else if (step === 2 && part.type === "openai" && part.chunk === "lo") {
        step = 3;
        await setStatus(handle.id, "COMPLETED");
      }
    }
    expect(step).toBe(3);
    const runStates = parts.flatMap((p) => (p.type === "run" ? [p.run.status] : []));
    expect(runStates[0]).toBe("QUEUED");
    expect(runStates.at(-1)).toBe("COMPLETED");
    expect(parts.flatMap((p) => (p.type === "openai" ? [p.chunk] : []))).toEqual(["Hel", "lo"]);
    expect(parts.flatMap((p) => (p.type === "progress" ? [p.chunk.pct] : []))).toEqual([50]);
    const last = parts.flatMap((p) => (p.type === "run" ? [p.run] : [])).at(-1)!;
    expect(last.realtimeStreams?.slice().sort()).toEqual(["openai", "progress"]);
    expect(last.output).toEqual({ text: "Hello" });

    // after the fact: the finished run, then every chunk, then the end
    const again: string[] = [];
    for await (const part of runs.subscribeToRun<Ai>(handle.id).withStreams<Streams>()) again.push(part.type === "run" ? part.run.status : `${part.type}`);
    expect(again[0]).toBe("COMPLETED");
    expect(again.slice(1).sort()).toEqual(["openai", "openai", "progress"]);
  });

  it("a token for another run gets an error, not a silent empty iteration", async () => {
    const a = await tasks.trigger<Ai>("ai", { prompt: "a" });
    const b = await tasks.trigger<Ai>("ai", { prompt: "b" });
    const iterate = async () => {
      for await (const _ of runs.subscribeToRun<Ai>(b.id, { accessToken: a.publicAccessToken }).withStreams()) void _;
    };
    await expect(iterate()).rejects.toMatchObject({ status: 403 });
  });
});

describe("useRealtimeRunWithStreams", () => {
  it("renders the run and each stream's parts, live", async () => {
    const handle = await tasks.trigger<Ai>("ai", { prompt: "hook" });
    let state: ReturnType<typeof useRealtimeRunWithStreams<Ai, Streams>> | undefined;
    let completed: string | undefined;
    function Chat() {
      state = useRealtimeRunWithStreams<Ai, Streams>(handle.id, {
        accessToken: handle.publicAccessToken,
        baseURL: api.url,
        onComplete: (run) => (completed = run.status),
      });
      return createElement("p", null, `${state.run?.status ?? "…"}:${state.streams.openai?.join("") ?? ""}`);
    }
    const waitFor = async (check: () => boolean) => {
      for (let i = 0; i < 200 && !check(); i++) await act(() => new Promise((r) => setTimeout(r, 25)));
      expect(check()).toBe(true);
    };
    let renderer!: TestRenderer.ReactTestRenderer;
    await act(async () => {
      renderer = TestRenderer.create(createElement(Chat));
    });
    await waitFor(() => state!.run?.status === "QUEUED");
    await setStatus(handle.id, "EXECUTING");
    await streams.append("openai", "Hel", { target: handle.id });
    await waitFor(() => state!.streams.openai?.length === 1);
    expect(renderer.toJSON()).toMatchObject({ children: ["EXECUTING:Hel"] });
    await streams.append("openai", "lo", { target: handle.id });
    await setStatus(handle.id, "COMPLETED");
    await waitFor(() => completed === "COMPLETED");
    expect(state!.streams.openai).toEqual(["Hel", "lo"]);
    expect(state!.error).toBeUndefined();
    expect(renderer.toJSON()).toMatchObject({ children: ["COMPLETED:Hello"] });
    await act(async () => renderer.unmount());
  });
});
