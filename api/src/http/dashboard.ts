import { readFile } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import type { Context } from "hono";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
};

/**
 * The dashboard: static files of GANTRY_WEB_DIR (web/dist, built by `npm start`), and index.html for any other
 * GET path outside the API (client-side routes). Called from the not-found handler, so it never shadows a
 * route, including routes mounted after createApp. Undefined when the request is not the dashboard's.
 */
export async function serveDashboard(c: Context, webDir: string): Promise<Response | undefined> {
  if (c.req.method !== "GET" && c.req.method !== "HEAD") return undefined;
  let path: string;
  try {
    path = decodeURIComponent(c.req.path);
  } catch {
    return undefined;
  }
  if (path.startsWith("/api/") || path.startsWith("/packages/") || path === "/healthz") return undefined;
  const root = resolve(webDir);
  if (extname(path) !== "") {
    const file = resolve(join(root, path));
    if (!file.startsWith(root + sep)) return undefined;
    const content = await readFile(file).catch(() => undefined);
    return content && c.body(new Uint8Array(content), 200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
  }
  const index = await readFile(join(root, "index.html")).catch(() => undefined);
  if (!index) {
    return c.text(`The dashboard is not built: run \`npm start\` (or \`npx tsx web/src/build.ts ${webDir}\`). The API is under /api/.`, 404);
  }
  return c.body(new Uint8Array(index), 200, { "content-type": TYPES[".html"]!, "cache-control": "no-cache" });
}
