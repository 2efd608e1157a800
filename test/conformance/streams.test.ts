// The official @trigger.dev/sdk reading realtime streams that a Gantry task writes (streams v2): live while the
// task runs and after it finished, through `streams.read` / `runs.fetchStream`, `runs.subscribeToRun().withStreams()`
// and raw HTTP with Last-Event-ID. The task is Gantry's own (@gantry/sdk), deployed and run by a real runner.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "@trigger.dev/core/v3";
import { auth, configure, runs, streams, tasks, wait } from "@trigger.dev/sdk";
import { eventually, startPlatform, type Platform } from "../helpers/platform.js";
import { waitForRun } from "./conformance-platform.js";

const STREAMING_TASK = `
import { streams, task, wait } from "@gantry/sdk";

const tokens = streams.define<string>({ id: "tokens" });
const progress = streams.define<{ step: number }>({ id: "progress" });

async function* words(list: string[]) {
  for (const w of list) yield w;
}

export const conformanceStreamer = task({
  id: "conformance-streamer",
  run: async (payload: { first: string[]; rest: string[]; gate?: string }) => {
    await tokens.pipe(words(payload.first)).waitUntilComplete();
    await progress.append({ step: 1 });
    // the test completes the gate once a reader saw the first words: proof they arrived while the run was live
    if (payload.gate) await wait.forToken(payload.gate);
    await tokens.pipe(words(payload.rest)).waitUntilComplete();
    await progress.append({ step: 2 });
    return { words: payload.first.length + payload.rest.length };
  },
});
`;

let platform: Platform;
let baseURL: string;
let secretKey: string;

beforeAll(async () => {
  platform = await startPlatform();
  await platform.startRunner();
  await platform.deployProject({ edit: (dir) => writeFileSync(join(dir, "src/trigger/conformance-streams.ts"), STREAMING_TASK) });
  baseURL = platform.api.url;
  secretKey = platform.api.seed.environments.prod.apiKey;
  configure({ baseURL, secretKey });
}, 180_000);

afterAll(async () => {
  await platform?.close();
});

describe("streams written by a Gantry task, read by the official client", () => {
  it("streams.read follows the stream live (before the run finished) and ends with the run", async () => {
    const gate = await wait.createToken({ timeout: "10m" });
    const handle = await tasks.trigger("conformance-streamer", { first: ["Hel", "lo"], rest: [" wor", "ld"], gate: gate.id });
    const seen: string[] = [];
    await auth.withAuth({ baseURL, accessToken: handle.publicAccessToken }, async () => {
      for await (const part of await streams.read<string>(handle.id, "tokens", { timeoutInSeconds: 120 })) {
        seen.push(part);
        if (seen.length === 2) {
          // the run is waiting on the gate: these words came live
          expect((await runs.retrieve(handle.id)).isCompleted).toBe(false);
          await auth.withAuth({ baseURL, accessToken: secretKey }, () => wait.completeToken(gate.id, {}));
        }
      }
    });
    expect(seen).toEqual(["Hel", "lo", " wor", "ld"]);
    expect((await waitForRun(handle.id)).output).toEqual({ words: 4 });
  });

  it("after the run: streams.read from a start index, runs.fetchStream (parts carry their seq), every chunk once", async () => {
    const handle = await tasks.trigger("conformance-streamer", { first: ["a", "b"], rest: ["c"] });
    await waitForRun(handle.id);
    const all: string[] = [];
    for await (const part of await streams.read<string>(handle.id, "tokens")) all.push(part);
    expect(all).toEqual(["a", "b", "c"]);
    const fromTwo: string[] = [];
    for await (const part of await streams.read<string>(handle.id, "tokens", { startIndex: 2 })) fromTwo.push(part);
    expect(fromTwo).toEqual(["c"]);
    const progress: unknown[] = [];
    for await (const part of await runs.fetchStream(handle.id, "progress")) progress.push(part);
    expect(progress).toEqual([{ step: 1 }, { step: 2 }]);
    // the client underneath: each part carries its seq as id, for resuming
    const ids: string[] = [];
    const client = new ApiClient(baseURL, secretKey);
    for await (const _ of await client.fetchStream(handle.id, "progress", { onPart: (p) => ids.push(p.id) })) void _;
    expect(ids).toEqual(["0", "1"]);
  });

  it("runs.subscribeToRun(id).withStreams() yields the run and the chunks of each stream it wrote", async () => {
    const handle = await tasks.trigger("conformance-streamer", { first: ["x"], rest: ["y"] });
    const parts: Array<{ type: string; chunk?: unknown; status?: string; streams?: string[] }> = [];
    await auth.withAuth({ baseURL, accessToken: handle.publicAccessToken }, async () => {
      for await (const part of runs.subscribeToRun(handle.id).withStreams()) {
        parts.push(part.type === "run" ? { type: "run", status: part.run.status, streams: part.run.realtimeStreams } : { type: part.type, chunk: (part as { chunk: unknown }).chunk });
        const chunks = parts.filter((p) => p.type !== "run").length;
        if (chunks === 4 && parts.some((p) => p.status === "COMPLETED")) break;
      }
    });
    expect(parts.flatMap((p) => (p.type === "tokens" ? [p.chunk] : []))).toEqual(["x", "y"]);
    expect(parts.flatMap((p) => (p.type === "progress" ? [p.chunk] : []))).toEqual([{ step: 1 }, { step: 2 }]);
    const final = parts.filter((p) => p.type === "run").at(-1)!;
    expect(final.status).toBe("COMPLETED");
    expect(final.streams?.slice().sort()).toEqual(["progress", "tokens"]);
  });

  it("over HTTP: X-Stream-Version v2 batches, resumed with Last-Event-ID after the last record seen", async () => {
    const handle = await tasks.trigger("conformance-streamer", { first: ["1", "2"], rest: ["3"] });
    await waitForRun(handle.id);
    const read = async (lastEventId?: string) => {
      const res = await fetch(`${baseURL}/realtime/v1/streams/${handle.id}/tokens`, {
        headers: { authorization: `Bearer ${handle.publicAccessToken}`, "trigger-version": "4.8.3", ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
      });
      expect(res.headers.get("x-stream-version")).toBe("v2");
      const records = (await res.text())
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .flatMap((l) => (JSON.parse(l.slice(6)) as { records: Array<{ seq_num: number; body: string }> }).records);
      return records.map((r) => ({ seq: r.seq_num, data: (JSON.parse(r.body) as { data: string }).data }));
    };
    const all = await read();
    expect(all).toEqual([
      { seq: 0, data: "1" },
      { seq: 1, data: "2" },
      { seq: 2, data: "3" },
    ]);
    expect(await read("1")).toEqual([{ seq: 2, data: "3" }]);
    await eventually(async () => ((await read("2")).length === 0 ? true : undefined), { what: "nothing after the last record" });
  });

  it("a public token for another run cannot read its stream", async () => {
    const mine = await tasks.trigger("conformance-streamer", { first: ["m"], rest: [] });
    const other = await tasks.trigger("conformance-streamer", { first: ["secret"], rest: [] });
    await waitForRun(other.id);
    const res = await fetch(`${baseURL}/realtime/v1/streams/${other.id}/tokens`, { headers: { authorization: `Bearer ${mine.publicAccessToken}`, "trigger-version": "4.8.3" } });
    expect(res.status).toBe(403);
    await waitForRun(mine.id);
  });
});
