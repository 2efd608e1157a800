import { createHmac } from "node:crypto";
import { ALERT_SIGNATURE_HEADER, AlertWebhook, type AlertChannelType } from "@gantry/sdk/contracts";
import type { ApiConfig } from "../config.js";
import { sendMail } from "./smtp.js";
import { summarize } from "./summary.js";

const TIMEOUT_MS = 10_000;

/** Why an attempt failed: the receiver's status (if it answered) and a message for the deliveries list. */
export class DeliveryError extends Error {
  constructor(message: string, readonly statusCode: number | null = null, options?: ErrorOptions) {
    super(message, options);
    this.name = "DeliveryError";
  }
}

/** The signature the reference's `webhooks.constructEvent` checks: hex HMAC-SHA256 of the raw body. */
export function signBody(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<number> {
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", "user-agent": "Gantry-Alerts/1", ...headers }, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: "manual" });
  } catch (error) {
    throw new DeliveryError(`POST ${new URL(url).origin} failed: ${error instanceof Error ? error.message : String(error)}`, null, { cause: error });
  }
  const text = await response.text().catch(() => "");
  if (!response.ok) throw new DeliveryError(`${new URL(url).origin} answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`, response.status);
  return response.status;
}

/** A Slack URL must start with one of GANTRY_ALERT_SLACK_URL_PREFIXES (hooks.slack.com by default). */
export function slackUrlAllowed(config: ApiConfig, url: string): boolean {
  return config.GANTRY_ALERT_SLACK_URL_PREFIXES.split(",").map((p) => p.trim()).filter(Boolean).some((p) => url.startsWith(p));
}

function slackMessage(event: AlertWebhook): unknown {
  const { subject, lines, url } = summarize(event);
  const text = [`*${subject}*`, ...lines, ...(url ? [`<${url}|Open in Gantry>`] : [])].join("\n");
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
}

/** Sends one delivery over its channel; resolves with the receiver's status code (null for email), throws DeliveryError. */
export async function deliver(
  config: ApiConfig,
  channel: { type: AlertChannelType; target: string; secret: string | null },
  body: string,
): Promise<number | null> {
  switch (channel.type) {
    case "WEBHOOK":
      if (!channel.secret) throw new DeliveryError("The webhook channel has no secret: create it again");
      return post(channel.target, body, { [ALERT_SIGNATURE_HEADER]: signBody(body, channel.secret) });
    case "SLACK": {
      if (!slackUrlAllowed(config, channel.target)) {
        throw new DeliveryError(`Slack URL not allowed: it must start with one of GANTRY_ALERT_SLACK_URL_PREFIXES (${config.GANTRY_ALERT_SLACK_URL_PREFIXES})`);
      }
      return post(channel.target, JSON.stringify(slackMessage(AlertWebhook.parse(JSON.parse(body)))), {});
    }
    case "EMAIL": {
      if (!config.GANTRY_SMTP_URL) throw new DeliveryError("Email alerts need an SMTP server: set GANTRY_SMTP_URL (smtp://user:pass@host:587?from=alerts@example.com)");
      const { subject, lines, url } = summarize(AlertWebhook.parse(JSON.parse(body)));
      const to = channel.target.split(",").map((a) => a.trim()).filter(Boolean);
      try {
        await sendMail(config.GANTRY_SMTP_URL, { to, subject, text: [...lines, ...(url ? ["", url] : [])].join("\n") });
      } catch (error) {
        throw new DeliveryError(`SMTP: ${error instanceof Error ? error.message : String(error)}`, null, { cause: error });
      }
      return null;
    }
  }
}
