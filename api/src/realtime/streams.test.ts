import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configure, streams, tasks } from "@gantry/sdk";
import { client, deployTasks, type Client } from "../runner-api/test-helpers.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { publishRunChanges } from "./publish.js";

let api: TestApi;
let http: Client;
let key: string;

beforeAll(async () => {
  api = await startTestApi({ env: { GANTRY_RECONCILE_INTERVAL_MS: "600000" } });
  http = client(api.url);
  key = api.seed.environments.prod.apiKey;
  await deployTasks(http, key, [{ id: "chat" }]);
  configure({ secretKey: key, baseURL: api.url, requestOptions: { retry: { maxAttempts: 1 } } });
});

afterAll(async () => {
  configure({});
  await api?.close();
});

async function complete(runId: string): Promise<void> {
  await api.deps.sql`update runs set status = 'COMPLETED', completed_at = now() where id = ${runId}`;
  publishRunChanges(api.deps, [{ runId, environmentId: api.seed.environments.prod.id }]);
}

describe("realtime streams", () => {
  it("a reader follows a piped stream live, it ends when the run finishes, and it can be read again afterwards", async () => {
    const run = await tasks.trigger("chat", {});
    const tokens = streams.define<string>({ id: "tokens" });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* llm() {
      yield "Hel";
      yield "lo";
      await gate;
      yield " world\n";
    }
    const piped = tokens.pipe(llm(), { target: run.id });

    const received: string[] = [];
    const reading = (async () => {
      for await (const t of tokens.read(run.id, { accessToken: run.publicAccessToken, baseURL: api.url })) {
        received.push(t);
        if (received.length === 2) release(); // live: the first chunks arrive before the source finishes
      }
    })();
    await piped.waitUntilComplete();
    await complete(run.id);
    await reading;
    expect(received).toEqual(["Hel", "lo", " world\n"]);

    const again: string[] = [];
    for await (const t of tokens.read(run.id, { startIndex: 1 })) again.push(t);
    expect(again).toEqual(["lo", " world\n"]);
  });

  it("a retried append with the same seqs stores nothing twice; objects round-trip", async () => {
    const run = await tasks.trigger("chat", {});
    const body = [JSON.stringify({ delta: "a" }), JSON.stringify({ delta: "b" })].join("\n");
    const headers = { "content-type": "application/x-ndjson", "x-stream-start-seq": "0" };
    for (let i = 0; i < 2; i++) {
      const res = await http.call("POST", `/realtime/v1/streams/${run.id}/deltas`, { key, raw: body, headers });
      expect(res.body).toEqual({ nextSeq: 2 });
    }
    await streams.append("deltas", { delta: "c" }, { target: run.id });
    await complete(run.id);
    const out: unknown[] = [];
    for await (const d of streams.read(run.id, "deltas")) out.push(d);
    expect(out).toEqual([{ delta: "a" }, { delta: "b" }, { delta: "c" }]);
  });

  it("a token for run A cannot read run B's stream, nor write any", async () => {
    const a = await tasks.trigger("chat", {});
    const b = await tasks.trigger("chat", {});
    const read = (runId: string) => fetch(`${api.url}/realtime/v1/streams/${runId}/tokens`, { headers: { authorization: `Bearer ${a.publicAccessToken}` } });
    const ok = await read(a.id);
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
    expect((await read(b.id)).status).toBe(403);
    const write = await http.call("POST", `/realtime/v1/streams/${a.id}/tokens`, { key: a.publicAccessToken, raw: '"x"' });
    expect(write.status).toBe(403);
    expect((await http.call("POST", `/realtime/v1/streams/${a.id}/bad key!`, { key, raw: '"x"' })).status).toBe(400);
  });
});
