/**
 * What a public access token (a JWT the official client signs with the secret key) may do: only what its
 * scopes name. Scopes are the reference's: `read:runs[:<id>]`, `read:batch:<id>`, `trigger:tasks[:<id>]`,
 * `write:waitpoints[:<id>]`, `read:all`, `admin` (read:tags is not honoured yet: tags need a run lookup).
 */
export function publicTokenAllows(scopes: readonly string[], method: string, path: string): boolean {
  if (scopes.includes("admin")) return true;
  const has = (resource: string, id?: string) =>
    scopes.includes(resource) || (id !== undefined && scopes.includes(`${resource}:${id}`));
  const m = method.toUpperCase();
  const isRead = m === "GET" || m === "HEAD";
  let match: RegExpMatchArray | null;

  if (isRead && scopes.includes("read:all")) return true;
  if (isRead && (match = path.match(/^\/api\/v[13]\/runs\/([^/]+)$/))) return has("read:runs", decodeURIComponent(match[1]!));
  if (isRead && /^\/api\/v1\/runs\/?$/.test(path)) return scopes.includes("read:runs");
  if (isRead && (match = path.match(/^\/api\/v[12]\/batches\/([^/]+)$/))) return has("read:batch", decodeURIComponent(match[1]!));
  if (m === "POST" && (match = path.match(/^\/api\/v1\/tasks\/([^/]+)\/trigger$/))) {
    return has("trigger:tasks", decodeURIComponent(match[1]!)) || scopes.includes("write:tasks");
  }
  if (m === "POST" && (match = path.match(/^\/api\/v1\/waitpoints\/tokens\/([^/]+)\/complete$/))) {
    return has("write:waitpoints", decodeURIComponent(match[1]!));
  }
  return false;
}
