import { verify } from "@octokit/webhooks-methods";
import type { Probot } from "probot";
import type { GantryClient } from "./gantry-client.js";

/** Probot's default webhook path; the launcher mounts the handler there on the api's port. */
export const WEBHOOK_PATH = "/api/github/webhooks";

export type WebhookHandler = (request: Request) => Promise<Response>;

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/**
 * The webhook endpoint as a fetch handler (mount it in Hono with `app.post(WEBHOOK_PATH, (c) => handler(c.req.raw))`).
 * A forged or missing X-Hub-Signature-256 gets 401 and nothing happens; a delivery id seen before (GitHub's
 * redelivery, our own replay) gets 200 and nothing happens twice. A delivery whose handling fails is forgotten
 * (so a redelivery is handled) and answered 500, which marks it failed on GitHub for the replayer.
 */
export function createWebhookHandler(opts: { probot: Probot; secret: string; gantry: GantryClient }): WebhookHandler {
  return async function gantryWebhookHandler(request) {
    const event = request.headers.get("x-github-event");
    const id = request.headers.get("x-github-delivery");
    const signature = request.headers.get("x-hub-signature-256");
    const body = await request.text();
    if (!signature || !(await verify(opts.secret, body, signature).catch(() => false))) {
      return json(401, { error: "signature does not match the payload and WEBHOOK_SECRET" });
    }
    if (!event || !id) return json(400, { error: "x-github-event and x-github-delivery headers are required" });
    let payload: { action?: string };
    try {
      payload = JSON.parse(body) as { action?: string };
    } catch {
      return json(400, { error: "the payload is not JSON" });
    }
    const claim = await opts.gantry.claimDelivery(id, event, payload.action);
    if (claim.duplicate) return json(200, { ok: true, duplicate: true });
    try {
      await opts.probot.receive({ id, name: event as never, payload: payload as never });
    } catch (error) {
      await opts.gantry.releaseDelivery(id).catch(() => undefined);
      opts.probot.log.error({ err: error, event, id }, "webhook handling failed");
      return json(500, { error: `handling ${event} failed: ${(error as Error).message}` });
    }
    return json(200, { ok: true });
  };
}
