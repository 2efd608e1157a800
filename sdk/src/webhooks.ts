import { ALERT_SIGNATURE_HEADER, AlertWebhook } from "./contracts/alerts.js";

/**
 * Thrown by `webhooks.constructEvent` when an alert webhook's signature is missing or wrong, or its body is not
 * an alert.
 *
 * @example
 * import { webhooks, WebhookError } from "@gantry/sdk";
 * try { await webhooks.constructEvent(request, secret); } catch (e) { if (e instanceof WebhookError) return new Response(e.message, { status: 400 }); }
 */
export class WebhookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookError";
  }
}

/** What a Node server hands over: the raw body and the signature header's value. */
export interface WebhookPayloadAndHeader {
  payload: string | Uint8Array;
  header: string | string[] | undefined;
}

async function hmacHex(secret: string, body: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await globalThis.crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await globalThis.crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Verifies an alert webhook (run failed, deployment succeeded or failed) and returns its parsed event. The body
 * is signed with the channel's secret (shown on the dashboard's Alerts page) as a hex HMAC-SHA256 in
 * `x-trigger-signature-hmacsha256`. Throws `WebhookError` on a missing or wrong signature or a body that is not
 * an alert. Accepts a fetch `Request`, `{ payload, header }`, or the raw body and signature.
 *
 * @example
 * import { webhooks } from "@gantry/sdk";
 * export async function POST(request: Request) {
 *   const event = await webhooks.constructEvent(request, process.env.ALERT_WEBHOOK_SECRET!);
 *   if (event.type === "alert.run.failed") console.log(event.object.run.id, event.object.run.error);
 *   return Response.json({ received: true });
 * }
 */
async function constructEvent(request: Request | WebhookPayloadAndHeader, secret: string): Promise<AlertWebhook>;
async function constructEvent(body: string, signature: string, secret: string): Promise<AlertWebhook>;
async function constructEvent(input: Request | WebhookPayloadAndHeader | string, second: string, third?: string): Promise<AlertWebhook> {
  let body: string;
  let signature: string | undefined;
  let secret: string;
  if (typeof input === "string") {
    body = input;
    signature = second;
    secret = third ?? "";
  } else if (typeof Request !== "undefined" && input instanceof Request) {
    signature = input.headers.get(ALERT_SIGNATURE_HEADER) ?? undefined;
    body = await input.text();
    secret = second;
  } else {
    const { payload, header } = input as WebhookPayloadAndHeader;
    if (Array.isArray(header)) throw new WebhookError("The signature header cannot be an array");
    signature = header;
    body = typeof payload === "string" ? payload : new TextDecoder().decode(payload);
    secret = second;
  }
  if (!secret) throw new WebhookError("A secret is required to verify a webhook: copy it from the dashboard's Alerts page");
  if (!signature) throw new WebhookError(`No signature: the ${ALERT_SIGNATURE_HEADER} header is missing`);
  if (!timingSafeEqual(signature.trim().toLowerCase(), await hmacHex(secret, body))) throw new WebhookError("Invalid signature");
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new WebhookError("Webhook parsing failed: the body is not JSON");
  }
  const parsed = AlertWebhook.safeParse(json);
  if (!parsed.success) throw new WebhookError(`Webhook parsing failed: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/**
 * Alert webhooks: verify and parse what Gantry's alert channels send.
 *
 * @example
 * import { webhooks } from "@gantry/sdk";
 * const event = await webhooks.constructEvent(rawBody, req.headers[webhooks.SIGNATURE_HEADER_NAME], secret);
 */
export const webhooks = {
  constructEvent,
  SIGNATURE_HEADER_NAME: ALERT_SIGNATURE_HEADER,
};
