// Large payloads and outputs, end to end: the official @trigger.dev/sdk offloads a payload of 128 KiB or more
// (PUT /api/v2/packets/… → upload to the presigned URL Gantry serves → trigger with `application/store`), a real
// runner executes the task with the whole payload, and `runs.retrieve` downloads the big payload and output from
// their presigned URLs. Gantry's own SDK does the same against the same platform.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tasks } from "@trigger.dev/sdk";
import { configure as gantryConfigure, runs as gantryRuns, tasks as gantryTasks } from "@gantry/sdk";
import { startConformancePlatform, waitForRun, type ConformancePlatform } from "./conformance-platform.js";

let gantry: ConformancePlatform;

beforeAll(async () => {
  gantry = await startConformancePlatform();
  gantryConfigure({ baseURL: gantry.baseURL, secretKey: gantry.secretKey });
}, 180_000);

afterAll(async () => {
  await gantry?.platform.close();
});

const storedPackets = async () =>
  Number((await gantry.platform.api.deps.sql<{ n: string }[]>`select count(*)::text as n from packets`)[0]!.n);

describe("official client", () => {
  it("offloads a 200 KiB payload; the task gets it whole; retrieve decodes payload and output from presigned URLs", async () => {
    const big = { text: "x".repeat(200 * 1024), at: new Date(0), n: 7 };
    const before = await storedPackets();
    const handle = await tasks.trigger("echo", big);
    expect(await storedPackets()).toBe(before + 1);

    const run = await waitForRun(handle.id);
    expect(run.status).toBe("COMPLETED");
    // the client resolved both URLs itself (its prepareData): SuperJSON revived the Date
    expect(run.payloadPresignedUrl).toBeTruthy();
    expect(run.outputPresignedUrl).toBeTruthy();
    expect(run.payload).toEqual(big);
    const output = run.output as { payload: { text: string; at: string; n: number } };
    // the task received the real payload (not the storage path) and echoed it back
    expect(output.payload.text).toHaveLength(200 * 1024);
    expect(output.payload.n).toBe(7);
    expect(new Date(output.payload.at).getTime()).toBe(0);
  });

  it("a payload under 128 KiB stays inline and is not stored as a packet", async () => {
    const before = await storedPackets();
    const run = await waitForRun((await tasks.trigger("echo", { text: "y".repeat(100 * 1024) })).id);
    expect(run.status).toBe("COMPLETED");
    expect(run.payloadPresignedUrl).toBeUndefined();
    expect((run.payload as { text: string }).text).toHaveLength(100 * 1024);
    expect(await storedPackets()).toBe(before);
  });

  it("a trigger naming a packet that was never uploaded is a 400 on payload, and creates no run", async () => {
    const runsBefore = Number((await gantry.platform.api.deps.sql<{ n: string }[]>`select count(*)::text as n from runs`)[0]!.n);
    const res = await fetch(`${gantry.baseURL}/api/v1/tasks/echo/trigger`, {
      method: "POST",
      headers: { authorization: `Bearer ${gantry.secretKey}`, "content-type": "application/json" },
      body: JSON.stringify({ payload: "trigger/packet_never/payload.json", options: { payloadType: "application/store" } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ param: "payload" });
    expect(Number((await gantry.platform.api.deps.sql<{ n: string }[]>`select count(*)::text as n from runs`)[0]!.n)).toBe(runsBefore);
  });
});

describe("Gantry SDK", () => {
  it("offloads a large payload the same way and resolves presigned payload and output on retrieve", async () => {
    const big = { text: "g".repeat(150 * 1024) };
    const before = await storedPackets();
    const handle = await gantryTasks.trigger("echo", big);
    expect(await storedPackets()).toBe(before + 1);
    await waitForRun(handle.id);
    const run = await gantryRuns.retrieve(handle.id);
    expect(run.status).toBe("COMPLETED");
    expect(run.payloadPresignedUrl).toBeTruthy();
    expect(run.payload).toEqual(big);
    expect((run.output as { payload: typeof big }).payload).toEqual(big);
  });

  it("replays a run with a large payload override", async () => {
    const original = await gantryTasks.trigger("echo", { small: true });
    await waitForRun(original.id);
    const big = { text: "r".repeat(140 * 1024) };
    const { id } = await gantryRuns.replay(original.id, { payload: big });
    const run = await waitForRun(id);
    expect(run.status).toBe("COMPLETED");
    expect((run.output as { payload: typeof big }).payload).toEqual(big);
  });
});
