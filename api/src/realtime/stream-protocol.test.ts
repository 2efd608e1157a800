import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, startDeployedTestApi } from "../runner-api/test-helpers.js";
import type { TestApi } from "../testing/harness.js";
import { publishRunChanges } from "./publish.js";
import { openSse } from "./sse-test-client.js";

// The streams wire protocols over plain HTTP: the reference's v2 records (what SDKs read), the official client's
// v1 writer (a long NDJSON POST, a HEAD probe to resume) and its "create stream" answer.
let api: TestApi;
let http: Client;
let key: string;
const SDK = { "trigger-version": "4.8.3" };

beforeAll(async () => {
  ({ api, http, key } = await startDeployedTestApi([{ id: "chat" }]));
});

afterAll(async () => {
  await api?.close();
});

async function trigger(): Promise<string> {
  const res = await http.call("POST", "/api/v1/tasks/chat/trigger", { key, body: { payload: {} } });
  expect(res.status).toBe(200);
  return (res.body as { id: string }).id;
}

async function write(runId: string, streamKey: string, chunks: unknown[]): Promise<void> {
  const res = await http.call("POST", `/realtime/v1/streams/${runId}/${streamKey}`, { key, raw: chunks.map((c) => JSON.stringify(c)).join("\n") });
  expect(res.status).toBe(200);
}

async function complete(runId: string): Promise<void> {
  await api.deps.sql`update runs set status = 'COMPLETED', completed_at = now() where id = ${runId}`;
  publishRunChanges(api.deps, [{ runId, environmentId: api.seed.environments.prod.id }]);
}

/** The chunks of `batch` events until the response ends, with their seq_num. */
async function drainRecords(sse: Awaited<ReturnType<typeof openSse>>): Promise<Array<{ seq: number; data: unknown }>> {
  const out: Array<{ seq: number; data: unknown }> = [];
  for (;;) {
    let event;
    try {
      event = await sse.next();
    } catch (error) {
      if ((error as Error).message === "SSE stream ended") return out;
      throw error;
    }
    expect(event.event).toBe("batch");
    for (const r of (event.data as { records: Array<{ seq_num: number; body: string; timestamp: number }> }).records) {
      expect(r.timestamp).toBeGreaterThan(0);
      const body = JSON.parse(r.body) as { data: unknown; id: string };
      expect(body.id).toBe(String(r.seq_num));
      out.push({ seq: r.seq_num, data: body.data });
    }
  }
}

describe("streams v2 records (what SDKs read)", () => {
  it("sends stored chunks as batches, then live ones, and ends the response once the run finished", async () => {
    const runId = await trigger();
    await write(runId, "tokens", ["Hel", { t: "lo" }]);
    const sse = await openSse(`${api.url}/realtime/v1/streams/${runId}/tokens`, key, undefined, SDK);
    expect(sse.status).toBe(200);
    expect(sse.headers.get("x-stream-version")).toBe("v2");
    const first = await sse.next();
    expect(first.event).toBe("batch");
    expect((first.data as { records: unknown[] }).records).toHaveLength(2);
    await write(runId, "tokens", ["!"]);
    const live = await sse.next();
    expect(JSON.parse((live.data as { records: Array<{ body: string }> }).records[0]!.body)).toEqual({ data: "!", id: "2" });
    await complete(runId);
    await expect(sse.ended).resolves.toBeUndefined();

    // after the fact, resumed after seq 0 (the official client sends startIndex - 1 as Last-Event-ID)
    const again = await openSse(`${api.url}/realtime/v1/streams/${runId}/tokens`, key, "0", SDK);
    expect(await drainRecords(again)).toEqual([
      { seq: 1, data: { t: "lo" } },
      { seq: 2, data: "!" },
    ]);
  });

  it("browsers may send the stream headers cross-origin and read X-Stream-Version", async () => {
    const preflight = await fetch(`${api.url}/realtime/v1/streams/run_x/tokens`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "GET", "access-control-request-headers": "authorization,trigger-version,timeout-seconds,last-event-id,x-trigger-stream-start" },
    });
    const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    for (const h of ["timeout-seconds", "last-event-id", "x-trigger-stream-start", "trigger-version"]) expect(allowed).toContain(h);
    const runId = await trigger();
    await complete(runId);
    const res = await fetch(`${api.url}/realtime/v1/streams/${runId}/tokens`, { headers: { ...SDK, origin: "https://app.example", authorization: `Bearer ${key}` } });
    expect(res.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("x-stream-version");
    expect(res.headers.get("x-stream-version")).toBe("v2");
    await res.body?.cancel();
  });

  it("X-Trigger-Stream-Start: latest skips what was stored; Timeout-Seconds ends a quiet stream", async () => {
    const runId = await trigger();
    await write(runId, "log", ["old"]);
    const sse = await openSse(`${api.url}/realtime/v1/streams/${runId}/log`, key, undefined, { ...SDK, "x-trigger-stream-start": "latest", "timeout-seconds": "3" });
    await write(runId, "log", ["new"]);
    // the run never finishes: the response ends because nothing came for 3 s after "new"
    expect(await drainRecords(sse)).toEqual([{ seq: 1, data: "new" }]);
  });

  it("clients without trigger-version keep event: chunk ... event: end; bad headers are refused", async () => {
    const runId = await trigger();
    await write(runId, "plain", [1]);
    await complete(runId);
    const sse = await openSse(`${api.url}/realtime/v1/streams/${runId}/plain`, key);
    expect(sse.headers.get("x-stream-version")).toBeNull();
    expect(await sse.next()).toMatchObject({ event: "chunk", id: "0", data: 1 });
    expect((await sse.next()).event).toBe("end");
    sse.close();

    const bad = await fetch(`${api.url}/realtime/v1/streams/${runId}/plain`, { headers: { authorization: `Bearer ${key}`, "timeout-seconds": "soon" } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "invalid_body", param: "Timeout-Seconds" });
  });
});

describe("the official client's writer", () => {
  it("create answers version v1 and names the stream on the run (subscribers see realtimeStreams)", async () => {
    const runId = await trigger();
    const run = await openSse(`${api.url}/realtime/v1/runs/${runId}`, key);
    expect((await run.next()).data.realtimeStreams).toEqual([]);
    const res = await http.call("PUT", `/realtime/v1/streams/${runId}/self/answer`, { key });
    expect(res.body).toMatchObject({ version: "v1" });
    expect((await run.next()).data.realtimeStreams).toEqual(["answer"]);
    run.close();
    // the shape the official client subscribes to carries it too
    const shape = await fetch(`${api.url}/realtime/v1/runs/${runId}?offset=-1`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await shape.json()) as Array<{ value?: { realtimeStreams: string[] } }>)[0]?.value?.realtimeStreams).toEqual(["answer"]);
  });

  it("a long NDJSON POST is stored line by line as it arrives; HEAD tells where to resume; a resumed POST rewrites nothing", async () => {
    const runId = await trigger();
    const reader = await openSse(`${api.url}/realtime/v1/streams/${runId}/llm`, key, undefined, SDK);
    let push!: (line: string | null) => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (line) => (line === null ? controller.close() : controller.enqueue(new TextEncoder().encode(line)));
      },
    });
    const posting = fetch(`${api.url}/realtime/v1/streams/${runId}/self/llm`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "x-resume-from-chunk": "0" },
      body,
      duplex: "half",
    } as RequestInit);
    push('"a"\n"b');
    // the first line reaches the reader while the request is still open
    expect(JSON.parse((await reader.next()).data.records[0].body)).toEqual({ data: "a", id: "0" });
    push('"\n');
    push(null);
    expect((await posting).status).toBe(200);

    const head = await fetch(`${api.url}/realtime/v1/streams/${runId}/self/llm`, { method: "HEAD", headers: { authorization: `Bearer ${key}` } });
    expect(head.headers.get("x-last-chunk-index")).toBe("1");
    const resumed = await fetch(`${api.url}/realtime/v1/streams/${runId}/self/llm`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "x-resume-from-chunk": "1" },
      body: '"B"\n"c"\n',
    });
    expect(resumed.status).toBe(200);
    await complete(runId);
    const rest = await drainRecords(reader);
    expect([{ seq: 0, data: "a" }, ...rest]).toEqual([
      { seq: 0, data: "a" },
      { seq: 1, data: "b" },
      { seq: 2, data: "c" },
    ]);

    const refused = await fetch(`${api.url}/realtime/v1/streams/${runId}/self/llm`, { method: "POST", headers: { authorization: `Bearer ${key}`, "x-resume-from-chunk": "-1" }, body: '"x"' });
    expect(refused.status).toBe(400);
  });

  it("append stores the raw body as one string chunk", async () => {
    const runId = await trigger();
    const res = await http.call("POST", `/realtime/v1/streams/${runId}/self/notes/append`, { key, raw: '{"not":"parsed"}' });
    expect(res.body).toMatchObject({ ok: true });
    await complete(runId);
    const sse = await openSse(`${api.url}/realtime/v1/streams/${runId}/notes`, key, undefined, SDK);
    expect(await drainRecords(sse)).toEqual([{ seq: 0, data: '{"not":"parsed"}' }]);
  });
});
