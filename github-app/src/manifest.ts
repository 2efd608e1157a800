import { randomUUID } from "node:crypto";
import type { GantryClient } from "./gantry-client.js";
import { WEBHOOK_PATH } from "./webhook-handler.js";

/** Exactly the permissions and events the app uses (app.yml says the same for Probot's own setup page). */
export const APP_PERMISSIONS = { checks: "write", contents: "read", deployments: "write", pull_requests: "write", metadata: "read" } as const;
export const APP_EVENTS = ["check_run", "check_suite", "pull_request", "push"] as const;

export const SETUP_PATH = "/github/setup";
export const SETUP_CALLBACK_PATH = "/github/setup/callback";

/** The manifest GitHub's manifest flow creates the App from (https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest). */
export function appManifest(publicUrl: string, name = "Gantry") {
  const base = publicUrl.replace(/\/+$/, "");
  return {
    name,
    url: base,
    hook_attributes: { url: `${base}${WEBHOOK_PATH}`, active: true },
    redirect_url: `${base}${SETUP_CALLBACK_PATH}`,
    public: false,
    default_permissions: APP_PERMISSIONS,
    default_events: [...APP_EVENTS],
  };
}

const html = (status: number, body: string) => new Response(`<!doctype html><meta charset="utf-8"><title>Gantry GitHub App</title><body style="font-family:sans-serif;max-width:40em;margin:3em auto">${body}</body>`, { status, headers: { "content-type": "text/html; charset=utf-8" } });
const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/**
 * GitHub's manifest flow, so a self-hoster creates their own App in a few clicks: `GET /github/setup` posts the
 * manifest to GitHub; GitHub sends the browser back to `/github/setup/callback?code=…`, where the code is
 * exchanged for the App's id, key and webhook secret, which Gantry stores (encrypted) for the next start.
 */
export function createManifestSetupHandler(opts: { publicUrl: string; githubWebUrl: string; githubApiUrl: string; gantry: GantryClient; fetch?: typeof fetch }) {
  const states = new Set<string>();
  return async function gantryManifestSetup(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === SETUP_PATH) {
      const state = randomUUID();
      states.add(state);
      const manifest = JSON.stringify(appManifest(opts.publicUrl, url.searchParams.get("name") ?? "Gantry"));
      return html(
        200,
        `<h1>Create Gantry's GitHub App</h1><form id="f" method="post" action="${escape(opts.githubWebUrl)}/settings/apps/new?state=${state}">
<input type="hidden" name="manifest" value="${escape(manifest)}"><button>Create the GitHub App</button></form>`,
      );
    }
    if (request.method === "GET" && url.pathname === SETUP_CALLBACK_PATH) {
      const code = url.searchParams.get("code");
      const state = url.searchParams.get("state");
      if (!code || !state || !states.delete(state)) return html(400, "<p>This link expired or was not started here: open <a href=\"" + SETUP_PATH + "\">the setup page</a> again.</p>");
      const response = await (opts.fetch ?? fetch)(`${opts.githubApiUrl}/app-manifests/${encodeURIComponent(code)}/conversions`, {
        method: "POST",
        headers: { accept: "application/vnd.github+json", "user-agent": "gantry" },
      });
      if (!response.ok) return html(502, `<p>GitHub refused the code (${response.status}): start again from <a href="${SETUP_PATH}">the setup page</a>.</p>`);
      const app = (await response.json()) as { id: number; slug?: string; html_url?: string; pem: string; webhook_secret: string };
      await opts.gantry.storeAppCredentials({ appId: app.id, slug: app.slug ?? null, htmlUrl: app.html_url ?? null, privateKey: app.pem, webhookSecret: app.webhook_secret });
      return html(200, `<h1>GitHub App ${escape(app.slug ?? String(app.id))} created</h1><p>Gantry stored its id, key and webhook secret. Restart Gantry (<code>npm start</code>), then install the App on your repositories${app.html_url ? ` from <a href="${escape(app.html_url)}">its page</a>` : ""}.</p>`);
    }
    return undefined;
  };
}
