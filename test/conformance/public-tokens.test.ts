// Public access tokens as the official @trigger.dev/sdk 4.x makes them: it asks Gantry for claims
// (`POST /api/v1/auth/jwt/claims`), signs the JWT itself with the secret key, and a frontend then reads runs (or
// triggers tasks) with it. Also the large-payload offload the client does for payloads ≥ 128 KiB.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthenticationError, PermissionDeniedError, auth, configure, runs, tasks } from "@trigger.dev/sdk";
import { startConformancePlatform, waitForRun, type ConformancePlatform } from "./conformance-platform.js";

let gantry: ConformancePlatform;

beforeAll(async () => {
  gantry = await startConformancePlatform();
}, 180_000);

afterAll(async () => {
  await gantry?.platform.close();
});

/** Runs fn with the official client authenticated by `accessToken` instead of the secret key. */
const withToken = <T>(accessToken: string, fn: () => Promise<T>): Promise<T> =>
  auth.withAuth({ baseURL: gantry.baseURL, accessToken }, fn) as Promise<T>;

describe("auth.createPublicToken", () => {
  it("a token scoped to run A reads run A, and is refused run B", async () => {
    const a = await tasks.trigger("echo", { run: "a" });
    const b = await tasks.trigger("echo", { run: "b" });
    await waitForRun(a.id);
    const token = await auth.createPublicToken({ scopes: { read: { runs: [a.id] } }, expirationTime: "1h" });
    expect(token.split(".")).toHaveLength(3);

    const run = await withToken(token, () => runs.retrieve(a.id));
    expect(run.id).toBe(a.id);
    expect(run.status).toBe("COMPLETED");
    expect(run.payload).toEqual({ run: "a" });
    await expect(withToken(token, () => runs.retrieve(b.id))).rejects.toBeInstanceOf(PermissionDeniedError);
  });

  it("the publicAccessToken of a trigger handle reads that run", async () => {
    const handle = await tasks.trigger("echo", { handle: true });
    await waitForRun(handle.id);
    const run = await withToken(handle.publicAccessToken, () => runs.retrieve(handle.id));
    expect(run.output).toMatchObject({ payload: { handle: true } });
  });

  it("a token cannot act with the secret key's powers: no trigger, no cancel without a scope", async () => {
    const handle = await tasks.trigger("echo", {}, { delay: "1h" });
    const token = await auth.createPublicToken({ scopes: { read: { runs: [handle.id] } } });
    await expect(withToken(token, () => runs.cancel(handle.id))).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(withToken(token, () => tasks.trigger("echo", {}))).rejects.toBeInstanceOf(PermissionDeniedError);
    expect((await runs.retrieve(handle.id)).status).toBe("DELAYED");
    await runs.cancel(handle.id);
  });

  it("an expired token is rejected with 401", async () => {
    const handle = await tasks.trigger("echo", {});
    const token = await auth.createPublicToken({ scopes: { read: { runs: true } }, expirationTime: Math.floor(Date.now() / 1000) - 60 });
    await expect(withToken(token, () => runs.retrieve(handle.id))).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("a token signed with another environment's key does not read this environment's runs", async () => {
    const prodRun = await tasks.trigger("echo", {});
    configure({ baseURL: gantry.baseURL, secretKey: gantry.platform.api.seed.environments.staging.apiKey });
    let stagingToken: string;
    try {
      stagingToken = await auth.createPublicToken({ scopes: { read: { runs: [prodRun.id] } } });
    } finally {
      configure({ baseURL: gantry.baseURL, secretKey: gantry.secretKey });
    }
    const status = await withToken(stagingToken, () => runs.retrieve(prodRun.id)).then(() => 200, (e: { status?: number }) => e.status);
    expect([401, 403, 404]).toContain(status);
  });

  it("a read:tags token reads the runs carrying that tag, and no other run", async () => {
    const tag = `pt-${crypto.randomUUID().slice(0, 8)}`;
    const tagged = await tasks.trigger("echo", { tagged: true }, { tags: [tag] });
    await waitForRun(tagged.id);
    const token = await auth.createPublicToken({ scopes: { read: { tags: [tag] } } });
    const run = await withToken(token, () => runs.retrieve(tagged.id));
    expect(run.id).toBe(tagged.id);
    const untagged = await tasks.trigger("echo", {});
    await expect(withToken(token, () => runs.retrieve(untagged.id))).rejects.toBeInstanceOf(PermissionDeniedError);
  });

  it("auth.createTriggerPublicToken lets a frontend trigger that task, and only that task", async () => {
    const token = await auth.createTriggerPublicToken("echo", { multipleUse: true });
    const handle = await withToken(token, () => tasks.trigger("echo", { fromBrowser: true }));
    expect((await waitForRun(handle.id)).payload).toEqual({ fromBrowser: true });
    await expect(withToken(token, () => tasks.trigger("slow", { ms: 1 }))).rejects.toBeInstanceOf(PermissionDeniedError);
  });

  it("a trigger token is one-time use by default: the second trigger with it is refused", async () => {
    const token = await auth.createTriggerPublicToken("echo");
    await withToken(token, () => tasks.trigger("echo", { first: true }));
    const second = await withToken(token, () => tasks.trigger("echo", { again: true })).then(() => 200, (e: { status?: number }) => e.status);
    expect([401, 403]).toContain(second);
  });
});

describe("realtime", () => {
  /** Whether /realtime/v1/runs/:id speaks Electric's shape protocol (what the official client subscribes with). */
  async function speaksElectric(runId: string): Promise<boolean> {
    const abort = new AbortController();
    try {
      const response = await fetch(`${gantry.baseURL}/realtime/v1/runs/${runId}?offset=-1`, {
        headers: { authorization: `Bearer ${gantry.secretKey}`, "x-trigger-electric-version": "1.0.0-beta.1" },
        signal: abort.signal,
      });
      return response.headers.has("electric-handle");
    } finally {
      abort.abort();
    }
  }

  it("runs.subscribeToRun with a public token follows a run to completion", async () => {
    const handle = await tasks.trigger("echo", { live: true });
    // Without the shape protocol (Gantry's first realtime answered Server-Sent Events) the client waits forever.
    expect(await speaksElectric(handle.id)).toBe(true);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 20_000);
    const statuses: string[] = [];
    try {
      await withToken(handle.publicAccessToken, async () => {
        for await (const run of runs.subscribeToRun(handle.id, { signal: abort.signal })) {
          statuses.push(run.status);
          if (run.status === "COMPLETED") expect(run.output).toMatchObject({ payload: { live: true } });
        }
      });
    } finally {
      clearTimeout(timer);
    }
    expect(statuses.at(-1)).toBe("COMPLETED");
  });

  it("runs.subscribeToRunsWithTag sees each tagged run complete", async () => {
    const tag = `rt-${crypto.randomUUID().slice(0, 8)}`;
    const a = await tasks.trigger("echo", { n: 1 }, { tags: [tag] });
    const b = await tasks.trigger("echo", { n: 2 }, { tags: [tag] });
    expect(await speaksElectric(a.id)).toBe(true);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 20_000);
    const completed = new Set<string>();
    try {
      for await (const run of runs.subscribeToRunsWithTag(tag, undefined, { signal: abort.signal })) {
        if (run.status === "COMPLETED") completed.add(run.id);
        if (completed.size === 2) break;
      }
    } finally {
      clearTimeout(timer);
    }
    expect([...completed].sort()).toEqual([a.id, b.id].sort());
  });
});

describe("large payloads", () => {
  it("a payload of 140 KiB is offloaded (PUT /api/v2/packets/…) and the task receives it whole", async () => {
    const big = { text: "x".repeat(140 * 1024), n: 1 };
    const handle = await tasks.trigger("echo", big);
    const run = await waitForRun(handle.id);
    expect(run.status).toBe("COMPLETED");
    const output = run.output ?? (run.outputPresignedUrl ? await (await fetch(run.outputPresignedUrl)).json() : undefined);
    expect((output as { payload: typeof big }).payload).toEqual(big);
  });

  it("a payload just under the offload threshold goes inline and arrives whole", async () => {
    const payload = { text: "y".repeat(120 * 1024) };
    const run = await waitForRun((await tasks.trigger("echo", payload)).id);
    expect(run.status).toBe("COMPLETED");
    expect((run.payload as typeof payload).text.length).toBe(120 * 1024);
  });
});
