import type { GitHubAppCredentials } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { decrypt, encrypt } from "../crypto/encryption.js";
import { notFound } from "../errors.js";
import { selectAppCredentials, upsertAppCredentials } from "./queries/app-credentials.js";

/** Stores the App GitHub's manifest flow created (key and secret encrypted with GANTRY_ENCRYPTION_KEY). */
export async function storeAppCredentials(deps: ApiDeps, creds: GitHubAppCredentials): Promise<void> {
  const key = deps.config.encryptionKey;
  await upsertAppCredentials(deps.sql, {
    app_id: creds.appId,
    slug: creds.slug ?? null,
    html_url: creds.htmlUrl ?? null,
    private_key_encrypted: encrypt(key, creds.privateKey),
    webhook_secret_encrypted: encrypt(key, creds.webhookSecret),
  });
}

/** The stored App, for the launcher when APP_ID is not set; undefined when none was created. */
export async function loadAppCredentials(deps: Pick<ApiDeps, "sql" | "config">): Promise<GitHubAppCredentials | undefined> {
  const row = await selectAppCredentials(deps.sql);
  if (!row) return undefined;
  const key = deps.config.encryptionKey;
  return { appId: row.app_id, slug: row.slug, htmlUrl: row.html_url, privateKey: decrypt(key, row.private_key_encrypted), webhookSecret: decrypt(key, row.webhook_secret_encrypted) };
}

export async function requireAppCredentials(deps: ApiDeps): Promise<GitHubAppCredentials> {
  const creds = await loadAppCredentials(deps);
  if (!creds) throw notFound("No GitHub App has been created yet: open /github/setup on the github-app to create one");
  return creds;
}
