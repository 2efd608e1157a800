// The official client's waitpoint token calls (wait.createToken / completeToken / retrieveToken / listTokens)
// against Gantry: every response passes the client's own schemas.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, wait } from "@trigger.dev/sdk";
import { eventually } from "../helpers/platform.js";
import { startConformancePlatform, type ConformancePlatform } from "./conformance-platform.js";

let gantry: ConformancePlatform;

beforeAll(async () => {
  gantry = await startConformancePlatform();
}, 180_000);

afterAll(async () => {
  await gantry?.platform.close();
});

describe("waitpoint tokens with the official client", () => {
  it("createToken with an idempotency key returns the same token (isCached), with a callback url and a public token", async () => {
    const key = `conf-${Date.now()}`;
    const first = await wait.createToken({ idempotencyKey: key, timeout: "1h", tags: ["conf-wp", "order:1"] });
    const again = await wait.createToken({ idempotencyKey: key, timeout: "1h", tags: ["conf-wp", "order:1"] });
    expect(first.id).toMatch(/^waitpoint_/);
    expect(first.isCached).toBe(false);
    expect(again.id).toBe(first.id);
    expect(again.isCached).toBe(true);
    expect(first.url).toMatch(new RegExp(`^${gantry.baseURL}/api/v1/waitpoints/tokens/${first.id}/callback/[0-9a-f]{40}$`));
    expect(first.publicAccessToken.split(".")).toHaveLength(3);
    const retrieved = await wait.retrieveToken(first.id);
    expect(retrieved).toMatchObject({ id: first.id, status: "WAITING", tags: ["conf-wp", "order:1"] });
    expect(retrieved.timeoutAt).toBeInstanceOf(Date);
  });

  it("the token's public access token completes it (and only it); the output reads back", async () => {
    const token = await wait.createToken({ timeout: "1h" });
    const other = await wait.createToken({ timeout: "1h" });
    await auth.withAuth({ accessToken: token.publicAccessToken }, async () => {
      expect(await wait.completeToken(token.id, { approved: true, by: "browser" })).toEqual({ success: true });
      await expect(wait.completeToken(other.id, { approved: false })).rejects.toThrow();
    });
    const completed = await wait.retrieveToken<{ approved: boolean; by: string }>(token.id);
    expect(completed.status).toBe("COMPLETED");
    expect(completed.output).toEqual({ approved: true, by: "browser" });
    expect(completed.completedAt).toBeInstanceOf(Date);
    expect((await wait.retrieveToken(other.id)).status).toBe("WAITING");
  });

  it("a token past its timeout reads TIMED_OUT with its error", async () => {
    const token = await wait.createToken({ timeout: "1s" });
    const timedOut = await eventually(async () => {
      const t = await wait.retrieveToken(token.id);
      return t.status === "TIMED_OUT" ? t : undefined;
    }, { timeoutMs: 20_000, what: "the token to time out" });
    expect(timedOut.error).toBeInstanceOf(Error);
  });

  it("listTokens filters by status and tags and pages with for await", async () => {
    const tag = `conf-list-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await wait.createToken({ tags: [tag] })).id);
    await wait.completeToken(ids[0]!, { done: 1 });
    const waiting: string[] = [];
    for await (const token of wait.listTokens({ tags: [tag], status: ["WAITING"], limit: 2 })) waiting.push(token.id);
    expect(waiting).toEqual(ids.slice(1).reverse());
    const completed: string[] = [];
    for await (const token of wait.listTokens({ tags: tag, status: "COMPLETED" })) completed.push(token.id);
    expect(completed).toEqual([ids[0]]);
  });
});
