import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JWT_AUDIENCE, JWT_ISSUER } from "../auth/public-token.js";
import { signJwt } from "../crypto/jwt.js";
import { type Client, startDeployedTestApi } from "../runner-api/test-helpers.js";
import type { TestApi } from "../testing/harness.js";
import { reconcileOnce, type ReconcileReport } from "./reconcile.js";

let api: TestApi;
let http: Client;
let key: string;

beforeAll(async () => {
  ({ api, http, key } = await startDeployedTestApi([{ id: "email" }]));
});

afterAll(async () => {
  await api?.close();
});

/** A one-time trigger token as the official client signs it; `exp: undefined` leaves the expiry out. */
function oneTimeToken(extra: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: api.seed.environments.prod.id, pub: true, otu: true, scopes: ["trigger:tasks:email"], iss: JWT_ISSUER, aud: JWT_AUDIENCE, iat: now, exp: now + 900, ...extra };
  return signJwt(claims, key);
}

function trigger(token: string) {
  return http.call("POST", "/api/v1/tasks/email/trigger", { key: token, body: { payload: "{}", options: { payloadType: "application/json" } } });
}

/** One reconciler pass (waiting out another instance's pass if one holds the lock). */
async function pass(): Promise<ReconcileReport> {
  for (;;) {
    const report = await reconcileOnce(api.deps);
    if (report) return report;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("pruning one-time public token uses", () => {
  it("deletes uses of tokens that expired over an hour ago, in batches, and keeps every use whose token could still be presented", async () => {
    const expiring = oneTimeToken();
    const endless = oneTimeToken({ exp: undefined });
    expect((await trigger(expiring)).status).toBe(200);
    expect((await trigger(endless)).status).toBe(200);
    const envId = api.seed.environments.prod.id;
    // uses of tokens long expired, and one whose token expired ten minutes ago (inside the retention)
    await api.deps.sql`
      insert into public_token_uses (token_hash, environment_id, expires_at)
      select 'old-' || i, ${envId}, now() - interval '2 hours' from generate_series(1, 1500) i`;
    await api.deps.sql`insert into public_token_uses (token_hash, environment_id, expires_at) values ('recent', ${envId}, now() - interval '10 minutes')`;

    expect((await pass()).tokenUsesPruned).toBe(1000);
    expect((await pass()).tokenUsesPruned).toBe(500);
    expect((await pass()).tokenUsesPruned).toBe(0);

    const left = await api.deps.sql`select token_hash, expires_at from public_token_uses order by expires_at`;
    expect(left.map((r) => r.token_hash)).toContain("recent");
    expect(left).toHaveLength(3);
    // a token without exp never expires, so its use is kept for good
    expect(new Date(left[2]!.expires_at).getUTCFullYear()).toBe(9999);
    // both tokens stay used
    for (const token of [expiring, endless]) {
      const again = await trigger(token);
      expect(again.status).toBe(401);
      expect(again.body.error).toMatch(/already used/);
    }
  });
});
