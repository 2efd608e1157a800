/**
 * What a public access token (a JWT the official client signs with the secret key, or one Gantry signs) may
 * do: only what its scopes name. Scopes are the reference's: `read:runs[:<id>]`, `read:tags:<tag>`,
 * `read:tasks:<id>`, `read:batch:<id>`, `trigger:tasks[:<id>]`, `write:waitpoints[:<id>]`, `read:all`, `admin`.
 * A run read that no run scope covers may still be allowed by the run's tags, batch or task: see
 * `scopedRunRead` and `runMatchesScopes` (the middleware looks the run up).
 */
export function publicTokenAllows(scopes: readonly string[], method: string, path: string, query?: URLSearchParams): boolean {
  if (scopes.includes("admin")) return true;
  const has = (resource: string, id?: string) =>
    scopes.includes(resource) || (id !== undefined && scopes.includes(`${resource}:${id}`));
  const m = method.toUpperCase();
  const isRead = m === "GET" || m === "HEAD";
  let match: RegExpMatchArray | null;

  if (isRead && scopes.includes("read:all")) return true;
  if (isRead && (match = path.match(/^\/api\/v[13]\/runs\/([^/]+)$/))) return has("read:runs", decodeURIComponent(match[1]!));
  if (isRead && (match = path.match(/^\/realtime\/v1\/runs\/([^/]+)$/))) return has("read:runs", decodeURIComponent(match[1]!));
  if (isRead && (match = path.match(/^\/realtime\/v1\/streams\/([^/]+)\/[^/]+$/))) return has("read:runs", decodeURIComponent(match[1]!));
  if (isRead && /^\/api\/v1\/runs\/?$/.test(path)) return scopes.includes("read:runs");
  if (isRead && /^\/realtime\/v1\/runs\/?$/.test(path)) {
    if (scopes.includes("read:runs")) return true;
    const tags = (query?.getAll("tags") ?? []).flatMap((v) => v.split(",")).map((t) => t.trim()).filter(Boolean);
    return tags.length > 0 && tags.every((t) => scopes.includes(`read:tags:${t}`));
  }
  if (isRead && (match = path.match(/^\/(?:api\/v[12]|realtime\/v1)\/batches\/([^/]+)$/))) return has("read:batch", decodeURIComponent(match[1]!));
  if (m === "POST" && (match = path.match(/^\/api\/v1\/tasks\/([^/]+)\/trigger$/))) {
    return has("trigger:tasks", decodeURIComponent(match[1]!)) || scopes.includes("write:tasks");
  }
  if (m === "POST" && (match = path.match(/^\/api\/v1\/waitpoints\/tokens\/([^/]+)\/complete$/))) {
    return has("write:waitpoints", decodeURIComponent(match[1]!));
  }
  return false;
}

/** The run a read is about, when the token has scopes (tags, batch, task) that may cover it; else undefined. */
export function scopedRunRead(scopes: readonly string[], method: string, path: string): string | undefined {
  const m = method.toUpperCase();
  if (m !== "GET" && m !== "HEAD") return undefined;
  if (!scopes.some((s) => s.startsWith("read:tags:") || s.startsWith("read:batch:") || s.startsWith("read:tasks:"))) return undefined;
  const match =
    path.match(/^\/api\/v[13]\/runs\/([^/]+)$/) ??
    path.match(/^\/realtime\/v1\/runs\/([^/]+)$/) ??
    path.match(/^\/realtime\/v1\/streams\/([^/]+)\/[^/]+$/);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

/** Whether a run's tags, batch or task are named by the token's read scopes. */
export function runMatchesScopes(
  scopes: readonly string[],
  run: { tags: readonly string[]; batchId: string | null; taskIdentifier: string },
): boolean {
  return (
    run.tags.some((t) => scopes.includes(`read:tags:${t}`)) ||
    (run.batchId !== null && scopes.includes(`read:batch:${run.batchId}`)) ||
    scopes.includes(`read:tasks:${run.taskIdentifier}`)
  );
}
