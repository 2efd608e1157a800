import { z } from "zod";
import { DeploymentStatus, EnvironmentSlug } from "./common.js";

/**
 * The GitHub integration's messages: the github-app and the build worker reach Gantry's records through the
 * api (`/api/v1/github/*`, a GitHub service token `gs_github_…`), and BullMQ jobs between api, build worker
 * and reporter.
 */
export const GITHUB_SERVICE_TOKEN_PREFIX = "gs_github_";
/** BullMQ queue of build jobs (api → build worker). Same hash-tagged prefix as the runs queue. */
export const GITHUB_BUILD_QUEUE_NAME = "github-builds";
/** BullMQ queue of "show this build on GitHub" jobs (api → github-app reporter). */
export const GITHUB_REPORT_QUEUE_NAME = "github-reports";
/** The check run name branch protection can require. */
export const GITHUB_CHECK_NAME = "Gantry deploy";

export const GitHubBuildJobData = z.object({ buildId: z.string() });
export type GitHubBuildJobData = z.infer<typeof GitHubBuildJobData>;
export const GitHubReportJobData = z.object({ buildId: z.string() });
export type GitHubReportJobData = z.infer<typeof GitHubReportJobData>;

export const GitHubRepoRef = z.object({
  id: z.number().int(),
  fullName: z.string().regex(/^[^/\s]+\/[^/\s]+$/),
  private: z.boolean().optional(),
  defaultBranch: z.string().optional(),
});
export type GitHubRepoRef = z.infer<typeof GitHubRepoRef>;

export const GitHubAccount = z.object({ login: z.string(), id: z.number().int() });

export const ClaimDeliveryBody = z.object({ deliveryId: z.string().min(1).max(100), event: z.string(), action: z.string().optional() });
export const ClaimDeliveryResponse = z.object({ duplicate: z.boolean() });

/** `installation` events: the whole set of repositories the installation grants. */
export const UpsertInstallationBody = z.object({
  installationId: z.number().int(),
  account: GitHubAccount,
  repositories: z.array(GitHubRepoRef),
  suspended: z.boolean().optional(),
});
/** `installation_repositories` events. */
export const InstallationRepositoriesBody = z.object({
  added: z.array(GitHubRepoRef).default([]),
  removed: z.array(z.object({ id: z.number().int() })).default([]),
});

/** Per-repository settings (also accepted from `.github/gantry.yml`). */
export const GitHubRepoSettings = z.object({
  /** default: the repository's default branch */
  productionBranch: z.string().min(1).nullable().optional(),
  stagingBranch: z.string().min(1).nullable().optional(),
  previews: z.boolean().optional(),
  /** cap on active (not archived) preview branches of the project (the reference's per-plan limit); unset: none */
  maxActivePreviews: z.number().int().min(0).nullable().optional(),
  /** gantry.config.ts path relative to rootDir */
  configPath: z.string().min(1).nullable().optional(),
  rootDir: z.string().min(1).nullable().optional(),
  /** default: detected from the lockfile */
  installCommand: z.string().nullable().optional(),
  preBuildCommand: z.string().nullable().optional(),
});
export type GitHubRepoSettings = z.infer<typeof GitHubRepoSettings>;

export const ConnectRepoBody = GitHubRepoSettings.extend({
  projectRef: z.string().min(1),
  /** owner/repo */
  repository: z.string().regex(/^[^/\s]+\/[^/\s]+$/, "expected owner/repo"),
});
export type ConnectRepoBody = z.infer<typeof ConnectRepoBody>;

export const GitHubConnection = z.object({
  id: z.string(),
  projectRef: z.string(),
  repository: z.string(),
  repositoryId: z.number().int(),
  installationId: z.number().int(),
  productionBranch: z.string(),
  stagingBranch: z.string().nullable(),
  previews: z.boolean(),
  maxActivePreviews: z.number().int().nullable(),
  configPath: z.string().nullable(),
  rootDir: z.string().nullable(),
  installCommand: z.string().nullable(),
  preBuildCommand: z.string().nullable(),
  createdAt: z.coerce.date(),
});
export type GitHubConnection = z.infer<typeof GitHubConnection>;

export const GitHubSender = z.object({ login: z.string(), id: z.number().int() });

export const PushEventBody = z.object({
  deliveryId: z.string(),
  installationId: z.number().int(),
  repository: GitHubRepoRef,
  ref: z.string(),
  before: z.string(),
  after: z.string(),
  deleted: z.boolean().default(false),
  headCommit: z.object({ message: z.string(), author: z.string().optional() }).nullable().optional(),
  sender: GitHubSender,
  /** from the periodic sweep: build only if this commit has no build in its lane yet */
  ifNotBuilt: z.boolean().optional(),
  /** `.github/gantry.yml` at this commit (the connection's own settings win); or why it could not be used */
  repoSettings: GitHubRepoSettings.optional(),
  repoSettingsError: z.string().optional(),
});
export type PushEventBody = z.infer<typeof PushEventBody>;

export const PullRequestEventBody = z.object({
  deliveryId: z.string(),
  installationId: z.number().int(),
  repository: GitHubRepoRef,
  action: z.enum(["opened", "synchronize", "reopened", "closed"]),
  number: z.number().int(),
  title: z.string(),
  url: z.string(),
  headRef: z.string(),
  headSha: z.string(),
  baseRef: z.string(),
  /** owner of the head repository when it is a fork */
  forkOwner: z.string().nullable().optional(),
  merged: z.boolean().optional(),
  sender: GitHubSender,
  /** from the periodic sweep: build only if this commit has no build in its lane yet; archive only once */
  ifNotBuilt: z.boolean().optional(),
  repoSettings: GitHubRepoSettings.optional(),
  repoSettingsError: z.string().optional(),
});
export type PullRequestEventBody = z.infer<typeof PullRequestEventBody>;

/** What the github-app's periodic sweep compares with GitHub, so a missed push or close is caught up. */
export const SweepTarget = z.object({
  installationId: z.number().int(),
  repository: GitHubRepoRef,
  productionBranch: z.string().nullable(),
  stagingBranch: z.string().nullable(),
  /** pull requests Gantry believes open */
  openPullRequests: z.array(z.number().int()),
});
export const SweepTargetsResponse = z.object({ targets: z.array(SweepTarget) });

/** A rebuild asked from GitHub (check_run / check_suite rerequested, Redeploy button). */
export const RedeployBody = z.object({
  deliveryId: z.string(),
  installationId: z.number().int(),
  sender: GitHubSender,
  /** the check run's external_id (the build id): finds the build even before its check run id was recorded */
  buildId: z.string().optional(),
});
/** `check_suite.rerequested`: the commit's latest build again. */
export const RedeployCommitBody = RedeployBody.extend({ repositoryId: z.number().int(), sha: z.string() });

export const GitHubBuild = z.object({
  id: z.string(),
  status: DeploymentStatus,
  projectRef: z.string(),
  repository: z.string(),
  installationId: z.number().int(),
  environment: EnvironmentSlug,
  /** preview branch name (environment "preview") */
  branch: z.string().nullable(),
  gitRef: z.string(),
  sha: z.string(),
  commitMessage: z.string().nullable(),
  pullRequest: z
    .object({ number: z.number().int(), title: z.string(), url: z.string(), state: z.enum(["open", "closed"]), commentId: z.number().int().nullable() })
    .nullable(),
  fromFork: z.boolean(),
  /** a fork's pull request waiting for a project member to press Authorize */
  awaitingApproval: z.boolean(),
  deploymentId: z.string().nullable(),
  version: z.string().nullable(),
  tasks: z.array(z.string()),
  error: z.object({ message: z.string() }).nullable(),
  /** the preview branch was archived (PR closed) */
  archived: z.boolean(),
  supersededBy: z.string().nullable(),
  dashboardUrl: z.string(),
  logsUrl: z.string(),
  createdAt: z.coerce.date(),
  startedAt: z.coerce.date().nullable(),
  finishedAt: z.coerce.date().nullable(),
  github: z.object({ checkRunId: z.number().int().nullable(), deploymentId: z.number().int().nullable() }),
  /** the latest runs on this build's version (newest first), for the PR comment */
  recentRuns: z.array(z.object({ id: z.string(), taskIdentifier: z.string(), status: z.string(), url: z.string() })).default([]),
});
export type GitHubBuild = z.infer<typeof GitHubBuild>;

export const GitHubEventResult = z.object({
  builds: z.array(GitHubBuild),
  /** why nothing was built, when nothing was */
  skipped: z.string().optional(),
  archivedBranch: z.string().optional(),
});
export type GitHubEventResult = z.infer<typeof GitHubEventResult>;

/** The build worker claims a build; a running build of the lane silent for `staleAfterMs` is given up (TIMED_OUT). */
export const ClaimBuildBody = z.object({ staleAfterMs: z.number().int().min(1000).default(16 * 60_000) });

/** What the build worker gets when it claims a build. */
export const BuildClaimResponse = z.discriminatedUnion("outcome", [
  z.object({
    outcome: z.literal("claimed"),
    build: GitHubBuild,
    settings: GitHubRepoSettings,
    /** the target environment's secret key (the preview environment's for a branch) */
    apiKey: z.string(),
    /** GANTRY_BUILD_* variables of the environment, prefix stripped */
    buildEnv: z.record(z.string(), z.string()),
  }),
  /** another build of the same branch is running: try again later */
  z.object({ outcome: z.literal("busy") }),
  /** canceled or superseded meanwhile, or already finished */
  z.object({ outcome: z.literal("skip"), status: DeploymentStatus }),
]);
export type BuildClaimResponse = z.infer<typeof BuildClaimResponse>;

export const BuildStatusBody = z.object({
  status: z.enum(["BUILDING", "DEPLOYING", "DEPLOYED", "FAILED", "CANCELED", "TIMED_OUT"]),
  deploymentId: z.string().optional(),
  version: z.string().optional(),
  tasks: z.array(z.string()).optional(),
  error: z.object({ message: z.string() }).optional(),
  /** appended to the build's stored log */
  logs: z.string().optional(),
});
export type BuildStatusBody = z.infer<typeof BuildStatusBody>;

/** The github-app records the GitHub objects it created for a build, so later states edit them. */
export const BuildGitHubRefsBody = z.object({
  checkRunId: z.number().int().optional(),
  runsCheckRunId: z.number().int().optional(),
  githubDeploymentId: z.number().int().optional(),
  commentId: z.number().int().optional(),
});

/** `POST /api/v1/projects/:ref/branches/archive` (gantry preview archive, the action, the dashboard): see api.ts ArchivedPreviewBranch for the rest of the answer. */
export const ArchiveBranchBody = z.object({ branch: z.string().min(1).max(255) });
export const ArchiveBranchResponse = z.object({ archived: z.boolean(), canceledRuns: z.number().int() });

/** GitHub's name for the check run that reports runs executed on a commit's version (neutral: never blocks a merge). */
export const GITHUB_RUNS_CHECK_NAME = "Gantry runs";

/** Recent runs on the versions built from commits, for the "Gantry runs" check runs (`GET /api/v1/github/run-reports`). */
export const RunReport = z.object({
  buildId: z.string(),
  installationId: z.number().int(),
  repository: z.string(),
  sha: z.string(),
  version: z.string(),
  environment: z.string(),
  runsCheckRunId: z.number().int().nullable(),
  /** the build deployed a pull request's preview: its comment lists these runs too */
  pullRequestNumber: z.number().int().nullable(),
  counts: z.record(z.string(), z.number().int()),
  runs: z.array(z.object({ id: z.string(), taskIdentifier: z.string(), status: z.string(), createdAt: z.coerce.date(), url: z.string() })),
});
export type RunReport = z.infer<typeof RunReport>;
export const RunReportsResponse = z.object({ reports: z.array(RunReport) });

/** A GitHub App created with GitHub's manifest flow, as Gantry stores it (`/api/v1/github/app-credentials`). */
export const GitHubAppCredentials = z.object({
  appId: z.number().int(),
  slug: z.string().nullable().optional(),
  htmlUrl: z.string().nullable().optional(),
  privateKey: z.string().min(1),
  webhookSecret: z.string().min(1),
});
export type GitHubAppCredentials = z.infer<typeof GitHubAppCredentials>;
