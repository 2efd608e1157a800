import type { AlertWebhook } from "@gantry/sdk/contracts";

/** One alert as a human reads it (Slack and email): a subject line, a few lines of text and a link. */
export function summarize(event: AlertWebhook): { subject: string; lines: string[]; url?: string } {
  const o = event.object;
  const where = `${o.project.name} / ${o.environment.branchName ?? o.environment.slug}`;
  switch (event.type) {
    case "alert.run.failed": {
      const { run, task } = event.object;
      const error = run.error.type === "BUILT_IN_ERROR" ? `${run.error.name}: ${run.error.message}` : run.error.type === "INTERNAL_ERROR" ? `${run.error.code}${run.error.message ? `: ${run.error.message}` : ""}` : run.error.raw;
      return {
        subject: `[Gantry] Run ${run.id} of ${task.id} ${run.status} (${where})`,
        lines: [`Task: ${task.id}${task.version ? ` (version ${task.version})` : ""}`, `Status: ${run.status}`, `Error: ${error}`, ...(run.tags.length ? [`Tags: ${run.tags.join(", ")}`] : [])],
        url: run.dashboardUrl,
      };
    }
    case "alert.deployment.success": {
      const { deployment, tasks } = event.object;
      return {
        subject: `[Gantry] Deployed ${deployment.version} to ${where}`,
        lines: [`Version ${deployment.version} (${deployment.shortCode}) is DEPLOYED with ${tasks.length} task(s): ${tasks.map((t) => t.id).join(", ")}`],
        ...(event.object.git?.commitUrl ? { url: event.object.git.commitUrl } : {}),
      };
    }
    case "alert.deployment.failed": {
      const { deployment, error } = event.object;
      return {
        subject: `[Gantry] Deployment ${deployment.version} ${deployment.status} (${where})`,
        lines: [`Version ${deployment.version} (${deployment.shortCode}) is ${deployment.status}`, `Error: ${error.name}: ${error.message}`],
        ...(event.object.git?.commitUrl ? { url: event.object.git.commitUrl } : {}),
      };
    }
  }
}
