import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decrypt } from "../crypto/encryption.js";
import { call } from "../testing/fixtures.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { rotateEncryptionKey } from "./rotate-key.js";

describe("rotating GANTRY_ENCRYPTION_KEY", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it("re-encrypts env vars and secret keys with the new key, all or nothing, and a rerun changes nothing", async () => {
    const base = `/api/v1/projects/${api.seed.projectRef}/envvars/prod`;
    await call(api.url, "POST", base, { token: api.seed.environments.prod.apiKey, body: { name: "TOKEN", value: "s3cret", isSecret: true } });
    const oldKey = api.deps.config.encryptionKey;
    const newKey = randomBytes(32);

    const counts = await rotateEncryptionKey(api.deps.sql, oldKey, newKey);
    expect(counts.env_vars).toBe(1);
    expect(counts.api_keys).toBeGreaterThanOrEqual(4);
    const [row] = await api.deps.sql`select value_encrypted from env_vars where name = 'TOKEN'`;
    expect(decrypt(newKey, row!.value_encrypted)).toBe("s3cret");
    expect(() => decrypt(oldKey, row!.value_encrypted)).toThrow();
    const keys = await api.deps.sql`select key_encrypted from api_keys`;
    expect(keys.map((k) => decrypt(newKey, k.key_encrypted))).toContain(api.seed.environments.prod.apiKey);

    expect(await rotateEncryptionKey(api.deps.sql, oldKey, newKey)).toMatchObject({ env_vars: 0, api_keys: 0 });
    // a wrong old key fails before anything is written
    await call(api.url, "POST", base, { token: api.seed.accessToken, body: { name: "OTHER", value: "x" } }); // written with the api's (old) key
    await expect(rotateEncryptionKey(api.deps.sql, randomBytes(32), newKey)).rejects.toThrow(/decrypt failed/);
    const [other] = await api.deps.sql`select value_encrypted from env_vars where name = 'OTHER'`;
    expect(decrypt(oldKey, other!.value_encrypted)).toBe("x");
  });
});
