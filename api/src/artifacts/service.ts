import { Artifact } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthContext } from "../context.js";
import { sha256Hex } from "../crypto/hash.js";
import { badRequest, notFound } from "../errors.js";
import { insertArtifact, projectUsesArtifact, selectArtifact, userCanReadArtifact } from "./queries/artifacts.js";

export const HASH_RE = /^[a-f0-9]{64}$/;

/**
 * Stores an artifact under its sha256. The hash in the URL must match the bytes; the body must be a
 * `gantry-artifact-v1` document. Idempotent.
 */
export async function putArtifact(deps: ApiDeps, hash: string, content: Buffer): Promise<{ hash: string; size: number }> {
  if (!HASH_RE.test(hash)) throw badRequest("The artifact hash must be 64 lowercase hex characters (sha256)", "hash");
  const actual = sha256Hex(content);
  if (actual !== hash) {
    throw badRequest(`Artifact hash mismatch: the body's sha256 is ${actual}, the URL says ${hash}. Upload the exact bytes you hashed`, "hash");
  }
  let doc: unknown;
  try {
    doc = JSON.parse(content.toString("utf8"));
  } catch {
    throw badRequest("The artifact is not JSON: upload the gantry-artifact-v1 document the builder writes", "body");
  }
  const parsed = Artifact.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest(`The artifact is not a gantry-artifact-v1 document: ${issue.path.join(".")}: ${issue.message}`, issue.path.join(".") || "body");
  }
  await insertArtifact(deps.sql, hash, content);
  return { hash, size: content.length };
}

/**
 * An artifact's bytes for a caller allowed to read it: runners read any; a secret key or run token reads its
 * project's deployments' artifacts; a user those of their organizations' projects. Others get 404.
 */
export async function getArtifact(deps: ApiDeps, auth: AuthContext, hash: string): Promise<Buffer> {
  const missing = () => notFound(`Artifact ${hash} not found`, "hash");
  if (!HASH_RE.test(hash)) throw missing();
  let allowed: boolean;
  switch (auth.kind) {
    case "runner":
      allowed = true;
      break;
    case "environment":
    case "run":
      allowed = await projectUsesArtifact(deps.sql, auth.environment.projectId, hash);
      break;
    case "user":
      allowed = await userCanReadArtifact(deps.sql, auth.userId, hash);
      break;
  }
  const content = allowed ? await selectArtifact(deps.sql, hash) : undefined;
  if (!content) throw missing();
  return content;
}
