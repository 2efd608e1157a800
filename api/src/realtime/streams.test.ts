import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configure, streams, tasks } from "@gantry/sdk";
import { type Client, startDeployedTestApi } from "../runner-api/test-helpers.js";
import type { TestApi } from "../testing/harness.js";
import { signRunToken } from "../auth/run-token.js";
import { publishRunChanges } from "./publish.js";

let api: TestApi;
let http: Client;
let key: string;

beforeAll(async () => {
  ({ api, http, key } = await startDeployedTestApi([{ id: "chat" }]));
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

  it("a run token writes to its own run's, its parent's and its root's streams only (403 for any other run)", async () => {
    const tokenOf = (runId: string) => signRunToken(api.deps.config, { environmentId: api.seed.environments.prod.id, runId, attemptNumber: 1 });
    const childOf = async (parent: string) => {
      const res = await http.call("POST", "/api/v1/tasks/chat/trigger", { key: tokenOf(parent), body: { payload: "{}", options: { payloadType: "application/json" } } });
      expect(res.status).toBe(200);
      return res.body.id as string;
    };
    const root = (await tasks.trigger("chat", {})).id;
    const child = await childOf(root);
    const grandchild = await childOf(child);
    const stranger = (await tasks.trigger("chat", {})).id;
    const token = tokenOf(grandchild);
    const chunks = async (runId: string) =>
      (await api.deps.sql`select data from realtime_stream_chunks where run_id = ${runId} and stream_key = 'fam' order by seq`).map((r) => r.data);

    // the official client's paths: {runId}/{target}/{key}, target self / parent / root / a run id
    for (const [target, expected] of [["self", grandchild], ["parent", child], ["root", root]] as const) {
      const res = await http.call("POST", `/realtime/v1/streams/${grandchild}/${target}/fam/append`, { key: token, raw: target });
      expect(res.status).toBe(200);
      expect(await chunks(expected)).toContain(JSON.stringify(target));
    }
    expect((await http.call("PUT", `/realtime/v1/streams/${grandchild}/${root}/fam`, { key: token, body: {} })).status).toBe(200);
    // Gantry's SDK writes to the run the PUT resolved: its own path, the parent's run id
    const ndjson = { "content-type": "application/x-ndjson" };
    expect((await http.call("POST", `/realtime/v1/streams/${child}/fam`, { key: token, raw: '"sdk"', headers: ndjson })).status).toBe(200);
    expect(await chunks(child)).toContain('"sdk"');

    // another run of the environment: as a target, as the path's run (Gantry's SDK path), by the writer's probe
    const denied = [
      await http.call("POST", `/realtime/v1/streams/${grandchild}/${stranger}/fam/append`, { key: token, raw: "x" }),
      await http.call("PUT", `/realtime/v1/streams/${grandchild}/${stranger}/fam`, { key: token, body: {} }),
      await http.call("POST", `/realtime/v1/streams/${grandchild}/${stranger}/fam`, { key: token, raw: '"x"\n', headers: { "content-type": "application/x-ndjson" } }),
      await http.call("POST", `/realtime/v1/streams/${stranger}/fam`, { key: token, raw: '"x"' }),
      await http.call("POST", `/realtime/v1/streams/${stranger}/self/fam/append`, { key: token, raw: "x" }),
      await http.call("GET", `/realtime/v1/streams/${grandchild}/${stranger}/fam`, { key: token }),
      // a child is not reachable from its parent's token either
      await http.call("POST", `/realtime/v1/streams/${child}/${grandchild}/fam/append`, { key: tokenOf(child), raw: "x" }),
    ];
    expect(denied.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403, 403]);
    expect(denied[0]!.body).toMatchObject({ code: "forbidden" });
    expect(await chunks(stranger)).toEqual([]);
    expect(await chunks(grandchild)).toEqual([JSON.stringify("self")]);
    const [row] = await api.deps.sql`select realtime_streams from runs where id = ${stranger}`;
    expect(row!.realtime_streams).toEqual([]);
    // the secret key still writes anywhere in its environment
    expect((await http.call("POST", `/realtime/v1/streams/${root}/${stranger}/fam/append`, { key, raw: "ok" })).status).toBe(200);
  });
});
