import {
  ALERT_WEBHOOK_VERSION,
  AlertWebhook,
  INTERNAL_ERROR_CODES,
  type AlertEventType,
  type AlertRunError,
} from "@gantry/sdk/contracts";
import { newId } from "../crypto/ids.js";
import type { DeploymentRow, FailedRunRow } from "./queries/subjects.js";

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

function owners(row: FailedRunRow | DeploymentRow) {
  return {
    environment: { id: row.environment_id, type: row.env_type, slug: row.env_slug, ...(row.branch_name ? { branchName: row.branch_name } : {}) },
    organization: { id: row.org_id, slug: row.org_slug, name: row.org_name },
    project: { id: row.project_id, ref: row.project_ref, slug: row.project_slug, name: row.project_name },
  };
}

/** A stored run error in the reference's discriminated shape (an unknown internal code becomes a built-in error). */
export function toAlertRunError(error: Record<string, unknown> | null): AlertRunError {
  const message = str(error?.message) ?? "The run failed without an error message";
  const type = str(error?.type) ?? "BUILT_IN_ERROR";
  const code = str(error?.code);
  if (type === "INTERNAL_ERROR" && code && (INTERNAL_ERROR_CODES as readonly string[]).includes(code)) {
    return { type, code: code as (typeof INTERNAL_ERROR_CODES)[number], message, ...(str(error?.stackTrace) ? { stackTrace: str(error?.stackTrace)! } : {}) };
  }
  if (type === "STRING_ERROR" || type === "CUSTOM_ERROR") return { type, raw: str(error?.raw) ?? message };
  return { type: "BUILT_IN_ERROR", name: str(error?.name) ?? code ?? "Error", message, stackTrace: str(error?.stackTrace) ?? "" };
}

function envelope(type: AlertEventType, object: unknown, now: Date): AlertWebhook {
  // Parsing with the contract proves every body we send is what webhooks.constructEvent accepts.
  return AlertWebhook.parse({ id: newId("alert"), created: now.toISOString(), webhookVersion: ALERT_WEBHOOK_VERSION, type, object });
}

/** The JSON body of an `alert.run.failed` webhook. */
export function runFailedBody(row: FailedRunRow, publicUrl: string, now: Date): string {
  const error = toAlertRunError(row.error);
  const oom = (error.type === "INTERNAL_ERROR" && error.code.includes("OOM")) || (error.type === "BUILT_IN_ERROR" && error.name === "OutOfMemoryError");
  const event = envelope(
    "alert.run.failed",
    {
      task: {
        id: row.task_identifier,
        filePath: row.file_path ?? "",
        ...(row.export_name ? { exportName: row.export_name } : {}),
        version: row.version ?? "",
        sdkVersion: row.sdk_version ?? "",
        cliVersion: row.cli_version ?? "",
      },
      run: {
        id: row.id,
        number: row.number,
        status: row.status,
        createdAt: row.created_at,
        ...(row.started_at ? { startedAt: row.started_at } : {}),
        ...(row.completed_at ? { completedAt: row.completed_at } : {}),
        isTest: row.is_test,
        ...(row.idempotency_key ? { idempotencyKey: row.idempotency_key } : {}),
        tags: row.tags,
        error,
        isOutOfMemoryError: oom,
        machine: row.machine ?? row.task_machine ?? "small-1x",
        dashboardUrl: `${publicUrl}/#/runs/${row.id}?env=${row.environment_id}`,
      },
      ...owners(row),
    },
    now,
  );
  return JSON.stringify(event);
}

function gitOf(row: DeploymentRow) {
  const git = row.git ?? {};
  const sha = str(git.commitSha);
  const remote = str(git.remoteUrl)?.replace(/\.git$/, "").replace(/^git@github\.com:/, "https://github.com/");
  if (!sha) return {};
  const branch = str(git.commitRef) ?? str(git.branch) ?? "";
  return {
    git: {
      branch,
      commitSha: sha,
      commitMessage: str(git.commitMessage) ?? "",
      commitUrl: remote ? `${remote}/commit/${sha}` : "",
      branchUrl: remote && branch ? `${remote}/tree/${branch}` : "",
      ...(typeof git.pullRequestNumber === "number" ? { pullRequestNumber: git.pullRequestNumber } : {}),
      ...(str(git.pullRequestTitle) ? { pullRequestTitle: str(git.pullRequestTitle) } : {}),
      ...(str(git.pullRequestUrl) ? { pullRequestUrl: str(git.pullRequestUrl) } : {}),
      provider: "github",
    },
  };
}

/** The JSON body of an `alert.deployment.success` or `alert.deployment.failed` webhook. */
export function deploymentBody(row: DeploymentRow, type: "alert.deployment.success" | "alert.deployment.failed", now: Date): string {
  const deployment = { id: row.id, status: row.status, version: row.version, shortCode: row.short_code };
  const object =
    type === "alert.deployment.success"
      ? {
          ...owners(row),
          ...gitOf(row),
          deployment: { ...deployment, deployedAt: row.deployed_at ?? row.updated_at },
          tasks: row.tasks.map((t) => ({ id: t.id, filePath: t.filePath, ...(t.exportName ? { exportName: t.exportName } : {}), triggerSource: t.triggerSource })),
        }
      : {
          ...owners(row),
          ...gitOf(row),
          deployment: { ...deployment, failedAt: row.updated_at },
          error: {
            name: str(row.error?.name) ?? (row.status === "TIMED_OUT" ? "TimeoutError" : "Error"),
            message: str(row.error?.message) ?? `Deployment ${row.version} is ${row.status}`,
            ...(str(row.error?.stack) ?? str(row.error?.stackTrace) ? { stack: str(row.error?.stack) ?? str(row.error?.stackTrace) } : {}),
            ...(str(row.error?.stderr) ? { stderr: str(row.error?.stderr) } : {}),
          },
        };
  return JSON.stringify(envelope(type, object, now));
}
