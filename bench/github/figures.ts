// The figures of the github phase (bench/github/e2e.ts), apart so the report can import them without
// loading the api, the app and the builder.
import type { DeployStep } from "../../builder/src/deploy/deploy.js";
import type { Summary } from "../lib/stats.js";

/** Issue 6's target for webhook → DEPLOYED and deploy() → DEPLOYED of examples/. */
export const DEPLOY_TARGET_MS = 5_000;

export interface GitHubSample {
  /** webhook POST sent → the api lists the commit's deployment as DEPLOYED */
  totalMs: number;
  /** webhook POST sent → its answer (the app verified, deduplicated and queued the build) */
  webhookMs: number;
  /** github_builds.created_at → started_at (the build job waiting in BullMQ for the worker) */
  queuedMs: number | null;
  /** github_builds.started_at → DEPLOYED seen on the api (download, install, bundle, index, upload, finalize) */
  buildMs: number | null;
}

export interface CliSample {
  totalMs: number;
  /** ms spent in each deploy step, from its progress event to the next */
  steps: Partial<Record<DeployStep, number>>;
}

export interface GitHubFigures {
  date: string;
  quick: boolean;
  samples: number;
  webhookToDeployed: Summary;
  cliDeploy: Summary;
  github: GitHubSample[];
  cli: CliSample[];
  /** medians of the parts, for "what bounds it" */
  parts: { webhookMs: number; queuedMs: number; buildMs: number; cliSteps: Partial<Record<DeployStep, number>> };
  /** 1-minute load average when the phase started and ended (the machine is shared) */
  loadAverage: { start: number; end: number; cpus: number };
  setup: string[];
  problems: string[];
}

