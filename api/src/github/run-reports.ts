import type { z } from "zod";
import type { RunReportsResponse } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { selectRunReports } from "./queries/run-reports.js";

const RUNS_PER_REPORT = 20;

/** Runs executed on versions built from commits, changed since `since`: what the "Gantry runs" check runs show. */
export async function runReports(deps: ApiDeps, since: Date): Promise<z.infer<typeof RunReportsResponse>> {
  const rows = await selectRunReports(deps.sql, since, RUNS_PER_REPORT);
  return {
    reports: rows.map((r) => ({
      buildId: r.build_id,
      installationId: r.installation_id,
      repository: r.repository,
      sha: r.sha,
      version: r.version,
      environment: r.environment,
      runsCheckRunId: r.runs_check_run_id,
      pullRequestNumber: r.pull_request_number,
      counts: r.counts ?? {},
      runs: r.runs.map((run) => ({
        id: run.id,
        taskIdentifier: run.task_identifier,
        status: run.status,
        createdAt: new Date(run.created_at),
        url: `${deps.config.publicUrl}/projects/${r.project_ref}/runs/${run.id}`,
      })),
    })),
  };
}
