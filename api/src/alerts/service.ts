import { randomBytes } from "node:crypto";
import type { CreateAlertChannelBody, UpdateAlertChannelBody } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { decrypt, encrypt } from "../crypto/encryption.js";
import { newId } from "../crypto/ids.js";
import { badRequest, notFound } from "../errors.js";
import { requireProjectMember } from "../projects/service.js";
import { deleteChannel, insertChannel, selectChannel, selectChannels, updateChannel, type ChannelRow } from "./queries/channels.js";
import { selectRecentDeliveries } from "./queries/deliveries.js";
import { slackUrlAllowed } from "./senders.js";

const EMAIL_RE = /^[^\s@,<>]+@[^\s@,<>]+\.[^\s@,<>]+$|^[^\s@,<>]+@localhost$/;
const RECENT_DELIVERIES = 50;

function present(deps: ApiDeps, c: ChannelRow) {
  return {
    id: c.id,
    name: c.name,
    type: c.type,
    target: c.target,
    events: c.events,
    environmentTypes: c.environment_types,
    enabled: c.enabled,
    createdAt: c.created_at,
    // the reference shows a webhook's secret on the Alerts page: members need it to verify deliveries
    ...(c.secret_encrypted ? { secret: decrypt(deps.config.encryptionKey, c.secret_encrypted) } : {}),
  };
}

function httpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

function checkTarget(deps: ApiDeps, body: CreateAlertChannelBody): string {
  switch (body.type) {
    case "WEBHOOK":
      if (!httpUrl(body.target)) throw badRequest("A webhook channel needs an http(s) URL", "target");
      return body.target;
    case "SLACK":
      if (!httpUrl(body.target) || !slackUrlAllowed(deps.config, body.target)) {
        throw badRequest(`A Slack channel needs an incoming-webhook URL starting with ${deps.config.GANTRY_ALERT_SLACK_URL_PREFIXES.split(",").join(" or ")}`, "target");
      }
      return body.target;
    case "EMAIL": {
      if (!deps.config.GANTRY_SMTP_URL) throw badRequest("Email alerts need an SMTP server: the operator sets GANTRY_SMTP_URL", "type");
      const addresses = body.target.split(",").map((a) => a.trim()).filter(Boolean);
      const bad = addresses.find((a) => !EMAIL_RE.test(a));
      if (addresses.length === 0 || addresses.length > 20 || bad) throw badRequest(`Not an email address: ${bad ?? body.target} (separate up to 20 addresses with commas)`, "target");
      return addresses.join(", ");
    }
  }
}

/** The Alerts page: the project's channels and their latest deliveries. */
export async function listAlerts(deps: ApiDeps, userId: string, projectRef: string) {
  const project = await requireProjectMember(deps, userId, projectRef);
  const [channels, deliveries] = await Promise.all([selectChannels(deps.sql, project.id), selectRecentDeliveries(deps.sql, project.id, RECENT_DELIVERIES)]);
  return {
    smtpConfigured: Boolean(deps.config.GANTRY_SMTP_URL),
    data: channels.map((c) => present(deps, c)),
    deliveries: deliveries.map((d) => ({
      id: d.id,
      channelId: d.channel_id,
      channelName: d.channel_name,
      type: d.event_type,
      subjectId: d.subject_id,
      status: d.status,
      attempts: d.attempts,
      maxAttempts: d.max_attempts,
      nextAttemptAt: d.status === "PENDING" ? d.next_attempt_at : undefined,
      lastError: d.last_error ?? undefined,
      lastStatusCode: d.last_status_code ?? undefined,
      createdAt: d.created_at,
      deliveredAt: d.delivered_at ?? undefined,
    })),
  };
}

export async function createAlertChannel(deps: ApiDeps, userId: string, projectRef: string, body: CreateAlertChannelBody) {
  const project = await requireProjectMember(deps, userId, projectRef);
  const target = checkTarget(deps, body);
  const id = newId("alertc");
  const secret = body.type === "WEBHOOK" ? `whsec_${randomBytes(24).toString("base64url")}` : null;
  await insertChannel(deps.sql, {
    id,
    project_id: project.id,
    name: body.name,
    type: body.type,
    target,
    secret_encrypted: secret ? encrypt(deps.config.encryptionKey, secret) : null,
    events: [...new Set(body.events)],
    environment_types: [...new Set(body.environmentTypes ?? (["STAGING", "PRODUCTION"] as const))],
    enabled: body.enabled ?? true,
    created_by_user_id: userId,
  });
  return present(deps, (await selectChannel(deps.sql, project.id, id))!);
}

export async function updateAlertChannel(deps: ApiDeps, userId: string, projectRef: string, id: string, body: UpdateAlertChannelBody) {
  const project = await requireProjectMember(deps, userId, projectRef);
  const changed = await updateChannel(deps.sql, project.id, id, {
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.events ? { events: [...new Set(body.events)] } : {}),
    ...(body.environmentTypes ? { environmentTypes: [...new Set(body.environmentTypes)] } : {}),
    ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
  });
  if (!changed) throw notFound(`Alert channel ${id} not found in project ${projectRef}`, "id");
  return present(deps, (await selectChannel(deps.sql, project.id, id))!);
}

export async function deleteAlertChannel(deps: ApiDeps, userId: string, projectRef: string, id: string) {
  const project = await requireProjectMember(deps, userId, projectRef);
  if (!(await deleteChannel(deps.sql, project.id, id))) throw notFound(`Alert channel ${id} not found in project ${projectRef}`, "id");
  return { id, deleted: true };
}
