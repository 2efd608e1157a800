// metadata.parent / metadata.root over the wire: `parentOperations` / `rootOperations` on
// PUT /api/v1/runs/{runId}/metadata, who may write whose metadata, and the limits. Real api, Postgres, Redis.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "@trigger.dev/core/v3";
import { metadata } from "@gantry/sdk";
import { signRunToken } from "../auth/run-token.js";
import { type Client, startDeployedTestApi } from "../runner-api/test-helpers.js";
import type { TestApi } from "../testing/harness.js";
import { openSse } from "./sse-test-client.js";

let api: TestApi;
let http: Client;
let key: string;

beforeAll(async () => {
  ({ api, http, key } = await startDeployedTestApi([{ id: "job" }]));
});

afterAll(async () => {
  await api?.close();
});

const tokenOf = (runId: string) => signRunToken(api.deps.config, { environmentId: api.seed.environments.prod.id, runId, attemptNumber: 1 });

/** Triggers `job` with the secret key (a root run) or, given a parent, with the parent's run token (its child). */
async function trigger(parent?: string, metadata?: Record<string, unknown>): Promise<string> {
  const res = await http.call("POST", "/api/v1/tasks/job/trigger", {
    key: parent ? tokenOf(parent) : key,
    body: { payload: "{}", options: { payloadType: "application/json", ...(metadata ? { metadata } : {}) } },
  });
  expect(res.status).toBe(200);
  return res.body.id as string;
}

async function metadataOf(runId: string): Promise<unknown> {
  const [row] = await api.deps.sql`select metadata from runs where id = ${runId}`;
  return row!.metadata;
}

/** root → child → grandchild, and an unrelated root run. */
async function family() {
  const root = await trigger(undefined, { step: "root" });
  const child = await trigger(root);
  const grandchild = await trigger(child);
  const stranger = await trigger(undefined, { mine: true });
  return { root, child, grandchild, stranger };
}

describe("metadata.parent and metadata.root", () => {
  it("a grandchild's own, parent and root operations apply in one request; subscribers of the parent and the root see them", async () => {
    const { root, child, grandchild } = await family();
    const rootStream = await openSse(`${api.url}/realtime/v1/runs/${root}`, key);
    const childStream = await openSse(`${api.url}/realtime/v1/runs/${child}`, key);
    try {
      expect((await rootStream.next()).data.metadata).toEqual({ step: "root" });
      await childStream.next();
      const res = await http.call("PUT", `/api/v1/runs/${grandchild}/metadata`, {
        key: tokenOf(grandchild),
        body: {
          operations: [{ type: "set", key: "mine", value: 1 }],
          parentOperations: [{ type: "increment", key: "done", value: 1 }, { type: "append", key: "rows", value: grandchild }],
          rootOperations: [{ type: "set", key: "progress", value: 0.5 }],
        },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ metadata: { mine: 1 } });
      expect(await metadataOf(child)).toEqual({ done: 1, rows: [grandchild] });
      expect(await metadataOf(root)).toEqual({ step: "root", progress: 0.5 });
      expect((await rootStream.next()).data.metadata).toEqual({ step: "root", progress: 0.5 });
      expect((await childStream.next()).data.metadata).toEqual({ done: 1, rows: [grandchild] });
      // retrieve shows them too
      expect((await http.call("GET", `/api/v3/runs/${child}`, { key })).body.metadata).toEqual({ done: 1, rows: [grandchild] });
    } finally {
      rootStream.close();
      childStream.close();
    }
  });

  it("a child of the root: its parent and its root are the same run, and both sets apply to it in order", async () => {
    const { root, child } = await family();
    const res = await http.call("PUT", `/api/v1/runs/${child}/metadata`, {
      key: tokenOf(child),
      body: { parentOperations: [{ type: "set", key: "n", value: 1 }], rootOperations: [{ type: "increment", key: "n", value: 2 }] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ metadata: {} });
    expect(await metadataOf(root)).toEqual({ step: "root", n: 3 });
    expect(await metadataOf(child)).toBe(null); // untouched: nothing of its own was sent
  });

  it("a root run's parent and root operations change its own metadata", async () => {
    const { root } = await family();
    const res = await http.call("PUT", `/api/v1/runs/${root}/metadata`, {
      key: tokenOf(root),
      body: { operations: [{ type: "set", key: "a", value: 1 }], parentOperations: [{ type: "set", key: "b", value: 2 }], rootOperations: [{ type: "increment", key: "a", value: 1 }] },
    });
    expect(res.body).toEqual({ metadata: { step: "root", a: 2, b: 2 } });
    expect(await metadataOf(root)).toEqual({ step: "root", a: 2, b: 2 });
  });

  it("children incrementing their parent's counter at the same time all count", async () => {
    const root = await trigger();
    const children = await Promise.all(Array.from({ length: 20 }, () => trigger(root)));
    const results = await Promise.all(
      children.map((c) =>
        http.call("PUT", `/api/v1/runs/${c}/metadata`, { key: tokenOf(c), body: { operations: [], parentOperations: [{ type: "increment", key: "processed", value: 1 }] } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(children.map(() => 200));
    expect(await metadataOf(root)).toEqual({ processed: 20 });
  });

  it("a run token reaches its own run, its parent and its root only (403 otherwise, nothing written)", async () => {
    const { root, child, grandchild, stranger } = await family();
    const set = (path: string, token: string, body: unknown) => http.call("PUT", `/api/v1/runs/${path}/metadata`, { key: token, body });
    const op = { operations: [{ type: "set", key: "x", value: 1 }] };

    const unrelated = await set(stranger, tokenOf(grandchild), op);
    expect(unrelated.status).toBe(403);
    expect(unrelated.body.code).toBe("forbidden");
    // a parent may not write its child's metadata, nor reach past its own root
    expect((await set(grandchild, tokenOf(child), op)).status).toBe(403);
    // the stranger's own parent operations are its own run, not the grandchild's family
    expect((await set(root, tokenOf(stranger), { parentOperations: [{ type: "set", key: "x", value: 1 }] })).status).toBe(403);
    // its root's and its parent's own paths are open to it
    expect((await set(root, tokenOf(grandchild), op)).status).toBe(200);
    expect((await set(child, tokenOf(grandchild), op)).status).toBe(200);
    expect(await metadataOf(stranger)).toEqual({ mine: true });
    expect(await metadataOf(grandchild)).toBe(null);
    // reading follows the same rule
    const read = (path: string, token: string) => http.call("GET", `/api/v1/runs/${path}/metadata`, { key: token });
    expect((await read(stranger, tokenOf(grandchild))).status).toBe(403);
    expect((await read(root, tokenOf(grandchild))).body).toEqual({ metadata: { step: "root", x: 1 } });
    expect((await read(stranger, key)).body).toEqual({ metadata: { mine: true } });
    // another environment's key does not see the run at all
    expect((await set(root, api.seed.environments.staging.apiKey, op)).status).toBe(404);
    // the secret key may write any run of its environment, with parent operations resolved from the path's run
    expect((await set(grandchild, key, { parentOperations: [{ type: "set", key: "fromKey", value: true }] })).status).toBe(200);
    expect(await metadataOf(child)).toEqual({ x: 1, fromKey: true });
  });

  it("over 256 KB on the parent: 413 naming parentOperations, and nothing of the request is written", async () => {
    const { root, child, grandchild } = await family();
    const res = await http.call("PUT", `/api/v1/runs/${grandchild}/metadata`, {
      key: tokenOf(grandchild),
      body: {
        operations: [{ type: "set", key: "own", value: 1 }],
        parentOperations: [{ type: "set", key: "blob", value: "x".repeat(300 * 1024) }],
        rootOperations: [{ type: "set", key: "r", value: 1 }],
      },
    });
    expect(res.status).toBe(413);
    expect(res.body.param).toBe("parentOperations");
    expect(res.body.error).toContain(child);
    expect(await metadataOf(grandchild)).toBe(null);
    expect(await metadataOf(child)).toBe(null);
    expect(await metadataOf(root)).toEqual({ step: "root" });
  });

  it("a malformed operation is a 400 naming it, and nothing is written", async () => {
    const { root, child } = await family();
    const res = await http.call("PUT", `/api/v1/runs/${child}/metadata`, {
      key: tokenOf(child),
      body: { operations: [{ type: "set", key: "ok", value: 1 }], rootOperations: [{ type: "increment", key: "n", value: "one" }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.param).toContain("rootOperations");
    expect(await metadataOf(child)).toBe(null);
    expect(await metadataOf(root)).toEqual({ step: "root" });
  });

  it("the SDK inside a child: metadata.parent / metadata.root reach the api with its own changes; a refused change makes flush() throw", async () => {
    const { root, child, grandchild } = await family();
    const store = { execution: { run: { id: grandchild, metadata: {}, parentTaskRunId: child, rootTaskRunId: root }, runToken: tokenOf(grandchild), apiUrl: api.url } } as never;
    const errors: unknown[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void errors.push(args.join(" "));
    try {
      await withStore(store, async () => {
        metadata.set("own", 1);
        metadata.parent.increment("done").increment("done").append("rows", "r1");
        metadata.root.set("progress", 0.25).decrement("left", 2);
        // the parent's and root's values are not in this run's view
        expect(metadata.current()).toEqual({ own: 1 });
        // the run's own metadata past 256 KB throws at once (the reference: the SDK throws), unchanged
        expect(() => metadata.set("big", "x".repeat(300 * 1024))).toThrow(/256 KB/);
        expect(metadata.current()).toEqual({ own: 1 });
        await metadata.flush();
        metadata.parent.set("blob", "x".repeat(300 * 1024));
        await expect(metadata.flush()).rejects.toMatchObject({ status: 413 });
        await metadata.flush(); // the failure was reported once
      });
    } finally {
      console.error = consoleError;
    }
    expect(errors.join("\n")).toContain("did not reach the api");
    expect(await metadataOf(grandchild)).toEqual({ own: 1 });
    expect(await metadataOf(child)).toEqual({ done: 2, rows: ["r1"] });
    expect(await metadataOf(root)).toEqual({ step: "root", progress: 0.25, left: -2 });
    // the child reloads what its own child wrote into it (metadata.refresh(): GET /api/v1/runs/{id}/metadata)
    const childStore = { execution: { run: { id: child, metadata: {}, parentTaskRunId: root, rootTaskRunId: root }, runToken: tokenOf(child), apiUrl: api.url } } as never;
    await withStore(childStore, async () => {
      await metadata.refresh();
      expect(metadata.current()).toEqual({ done: 2, rows: ["r1"] });
    });
  });

  it("the official client's updateRunMetadata (its wire shape) with a run token", async () => {
    const { root, child } = await family();
    const official = new ApiClient(api.url, tokenOf(child));
    const res = await official.updateRunMetadata(child, {
      operations: [{ type: "set", key: "self", value: true }],
      parentOperations: [{ type: "append", key: "log", value: "from child" }],
      rootOperations: [{ type: "increment", key: "count", value: 3 }],
    });
    expect(res.metadata).toEqual({ self: true });
    expect(await metadataOf(root)).toEqual({ step: "root", log: ["from child"], count: 3 });
  });
});

/** Runs fn as if inside the attempt `store` (the worker's runtime provider, stood in for). */
async function withStore(store: never, fn: () => Promise<void>): Promise<void> {
  const KEY = Symbol.for("gantry.sdk.runtime");
  const g = globalThis as Record<symbol, unknown>;
  const previous = g[KEY];
  g[KEY] = { get: () => store, run: (_: unknown, f: () => unknown) => f() };
  try {
    await fn();
  } finally {
    g[KEY] = previous;
  }
}
