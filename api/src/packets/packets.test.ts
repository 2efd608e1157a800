import { afterAll, beforeAll, describe, expect, it } from "vitest";
import superjson from "superjson";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { client, deployTasks, fakeRunner, success, type Client } from "../runner-api/test-helpers.js";
import { presignedUrl, verifyPresigned } from "./signing.js";
import { deleteOrphanPackets } from "./cleanup.js";

let api: TestApi;
let http: Client;
let prodKey: string;

beforeAll(async () => {
  api = await startTestApi({ env: { GANTRY_RECONCILE_INTERVAL_MS: "600000" } });
  http = client(api.url);
  prodKey = api.seed.environments.prod.apiKey;
  await deployTasks(http, prodKey, [{ id: "hello" }]);
});

afterAll(async () => {
  await api?.close();
});

const runCount = async () => Number((await api.deps.sql<{ n: string }[]>`select count(*)::text as n from runs`)[0]!.n);

/** What the official client does for a payload ≥ 128 KiB (wire-format.md §3.3): presign, upload without auth. */
async function offload(path: string, data: string, contentType = "application/super+json") {
  const presign = await http.call("PUT", `/api/v2/packets/${encodeURIComponent(path)}`, { key: prodKey });
  expect(presign.status).toBe(200);
  expect(presign.body.storagePath).toBe(path);
  const upload = await fetch(presign.body.presignedUrl, { method: "PUT", headers: { "content-type": contentType }, body: data });
  return { presign: presign.body as { presignedUrl: string; storagePath: string }, upload };
}

describe("offloaded payloads", () => {
  it("a trigger with an application/store payload runs with the uploaded payload, and retrieve presigns it", async () => {
    const value = { text: "x".repeat(140 * 1024), at: new Date(0) };
    const data = superjson.stringify(value);
    const { presign, upload } = await offload("trigger/packet_abc/payload.json", data);
    expect(upload.status).toBe(200);

    const res = await http.call("POST", "/api/v1/tasks/hello/trigger", {
      key: prodKey,
      body: { payload: presign.storagePath, options: { payloadType: "application/store", payloadSize: data.length } },
    });
    expect(res.status).toBe(200);
    const runId = res.body.id as string;

    // the worker gets the real payload and its real type, never the storage path
    const runner = fakeRunner(http, api.seed.runnerToken);
    const started = (await runner.start([runId])).body.results[0];
    expect(started.ok).toBe(true);
    expect(started.execution.run.payloadType).toBe("application/super+json");
    expect(started.execution.run.payload).toBe(data);

    const bigOutput = { echoed: "y".repeat(130 * 1024) };
    await runner.complete(runId, 1, success(bigOutput));
    const run = (await http.call("GET", `/api/v3/runs/${runId}`, { key: prodKey })).body;
    expect(run.payload).toBeUndefined();
    expect(run.output).toBeUndefined();
    // both downloadable without auth, typed so the official client decodes them
    const payloadRes = await fetch(run.payloadPresignedUrl);
    expect(payloadRes.headers.get("content-type")).toBe("application/super+json");
    expect(superjson.parse(await payloadRes.text())).toEqual(value);
    const outputRes = await fetch(run.outputPresignedUrl);
    expect(outputRes.status).toBe(200);
    expect(outputRes.headers.get("content-type")).toBe("application/super+json");
    expect(superjson.parse(await outputRes.text())).toEqual(bigOutput);

    // the in-task download routes of the official client
    const byRun = await http.call("GET", `/api/v1/runs/${runId}/packets/payload`, { key: prodKey });
    expect(superjson.parse(await (await fetch(byRun.body.presignedUrl)).text())).toEqual(value);
    const byPath = await http.call("GET", `/api/v1/packets/${encodeURIComponent(presign.storagePath)}`, { key: prodKey });
    expect(await (await fetch(byPath.body.presignedUrl)).text()).toBe(data);
  });

  it("small payloads and outputs stay inline", async () => {
    const res = await http.call("POST", "/api/v1/tasks/hello/trigger", { key: prodKey, body: { payload: { small: true } } });
    const runner = fakeRunner(http, api.seed.runnerToken);
    await runner.start([res.body.id]);
    await runner.complete(res.body.id, 1, success({ fine: 1 }));
    const run = (await http.call("GET", `/api/v3/runs/${res.body.id}`, { key: prodKey })).body;
    expect(run).toMatchObject({ payload: { small: true }, output: { fine: 1 } });
    expect(run.payloadPresignedUrl).toBeUndefined();
    expect(run.outputPresignedUrl).toBeUndefined();
  });

  it("refuses a store payload that was never uploaded (400 naming payload), creating nothing", async () => {
    const before = await runCount();
    const res = await http.call("POST", "/api/v1/tasks/hello/trigger", {
      key: prodKey,
      body: { payload: "trigger/packet_missing/payload.json", options: { payloadType: "application/store" } },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ param: "payload" });
    expect(res.body.error).toMatch(/No packet was uploaded/);
    expect(await runCount()).toBe(before);
  });

  it("holds a stored payload to the 3 MB payload limit (413), and uploads to 10 MB", async () => {
    const { presign, upload } = await offload("trigger/packet_big/payload.json", "z".repeat(3 * 1024 * 1024 + 10), "text/plain");
    expect(upload.status).toBe(200);
    const before = await runCount();
    const res = await http.call("POST", "/api/v1/tasks/hello/trigger", {
      key: prodKey,
      body: { payload: presign.storagePath, options: { payloadType: "application/store" } },
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: "payload_too_large", param: "payload" });
    expect(await runCount()).toBe(before);

    const tooBig = await offload("trigger/packet_huge/payload.json", "z".repeat(10 * 1024 * 1024 + 1), "text/plain");
    expect(tooBig.upload.status).toBe(413);
    expect(await tooBig.upload.json()).toMatchObject({ code: "payload_too_large", param: "body" });
  });

  it("a packet is visible to its own environment only", async () => {
    await offload("trigger/packet_mine/payload.json", '{"json":1}');
    const staging = api.seed.environments.staging.apiKey;
    const other = await http.call("GET", `/api/v1/packets/${encodeURIComponent("trigger/packet_mine/payload.json")}`, { key: staging });
    expect(other.status).toBe(404);
    const trigger = await http.call("POST", "/api/v1/tasks/hello/trigger", {
      key: staging,
      body: { payload: "trigger/packet_mine/payload.json", options: { payloadType: "application/store" } },
    });
    expect(trigger.status).toBe(400);
  });

  it("refuses an unsupported upload content-type (400 naming it), storing nothing", async () => {
    const { upload } = await offload("trigger/packet_type/payload.json", "<xml/>", "application/xml");
    expect(upload.status).toBe(400);
    expect(await upload.json()).toMatchObject({ param: "content-type" });
    const get = await http.call("GET", `/api/v1/packets/${encodeURIComponent("trigger/packet_type/payload.json")}`, { key: prodKey });
    expect(get.status).toBe(404);
  });
});

describe("presigned URLs", () => {
  it("a tampered signature, another path, another method or no signature is refused (403)", async () => {
    const { presign } = await offload("trigger/packet_sig/payload.json", '{"json":2}');
    const url = new URL(presign.presignedUrl);
    // signed for PUT: a GET with the same signature is refused
    expect((await fetch(url)).status).toBe(403);
    const tampered = new URL(url);
    tampered.searchParams.set("signature", url.searchParams.get("signature")!.replace(/^./, (c) => (c === "A" ? "B" : "A")));
    expect((await fetch(tampered, { method: "PUT", body: "{}" })).status).toBe(403);
    const otherPath = new URL(url.toString().replace("packet_sig", "packet_sog"));
    expect((await fetch(otherPath, { method: "PUT", body: "{}" })).status).toBe(403);
    const unsigned = new URL(url);
    unsigned.search = "";
    expect((await fetch(unsigned, { method: "PUT", body: "{}" })).status).toBe(403);
  });

  it("expires", () => {
    const config = api.deps.config;
    const target = { kind: "packet" as const, method: "GET" as const, environmentId: "env_1", path: "p" };
    const url = new URL(presignedUrl(config, target, 1_000_000));
    const query = { expires: url.searchParams.get("expires")!, signature: url.searchParams.get("signature")! };
    expect(verifyPresigned(config, target, query, 1_000_000 + config.GANTRY_PACKET_URL_TTL_MS)).toBe("ok");
    expect(verifyPresigned(config, target, query, 1_000_000 + config.GANTRY_PACKET_URL_TTL_MS + 1)).toBe("expired");
    expect(verifyPresigned(config, { ...target, environmentId: "env_2" }, query, 1_000_000)).toBe("invalid");
  });
});

describe("orphan packets", () => {
  it("a day-old upload no run uses is deleted; packets runs use, and fresh uploads, stay", async () => {
    await offload("trigger/packet_orphan/payload.json", '{"json":"o"}');
    await offload("trigger/packet_fresh/payload.json", '{"json":"f"}');
    const { presign } = await offload("trigger/packet_used/payload.json", '{"json":"u"}');
    const used = await http.call("POST", "/api/v1/tasks/hello/trigger", {
      key: prodKey,
      body: { payload: presign.storagePath, options: { payloadType: "application/store" } },
    });
    expect(used.status).toBe(200);
    await api.deps.sql`
      update packets set created_at = now() - interval '25 hours'
      where path in ('trigger/packet_orphan/payload.json', 'trigger/packet_used/payload.json')`;

    expect(await deleteOrphanPackets(api.deps)).toBe(1);
    const left = (await api.deps.sql<{ path: string }[]>`select path from packets`).map((r) => r.path);
    expect(left).not.toContain("trigger/packet_orphan/payload.json");
    expect(left).toEqual(expect.arrayContaining(["trigger/packet_fresh/payload.json", "trigger/packet_used/payload.json"]));
  });
});
