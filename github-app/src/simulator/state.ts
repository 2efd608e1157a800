import type { LocalGitRepo } from "./git-repo.js";
import type { SimAccount, SimPullRequest, SimRepoRef } from "./payloads.js";

/** What the simulated GitHub holds; tests read it to see what the app did. */
export interface SimRepo extends SimRepoRef {
  fullName: string;
  git: LocalGitRepo;
  installationId: number;
  pulls: Map<number, SimPullRequest>;
}
export interface SimInstallation {
  id: number;
  account: SimAccount;
  repoIds: Set<number>;
}
export interface SimCheckRun {
  id: number;
  repo: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  details_url: string | null;
  output: { title?: string; summary?: string; text?: string } | null;
  actions: Array<{ label: string; description: string; identifier: string }>;
  started_at: string | null;
  completed_at: string | null;
  /** every body the app sent for this check run, in order */
  history: Array<Record<string, unknown>>;
}
export interface SimDeploymentStatus {
  id: number;
  state: string;
  environment: string | null;
  environment_url: string | null;
  log_url: string | null;
  description: string | null;
  auto_inactive: boolean | null;
  created_at: string;
}
export interface SimDeployment {
  id: number;
  repo: string;
  ref: string;
  sha: string;
  task: string;
  environment: string;
  description: string | null;
  payload: unknown;
  transient_environment: boolean;
  production_environment: boolean;
  statuses: SimDeploymentStatus[];
  created_at: string;
}
export interface SimComment {
  id: number;
  repo: string;
  issue_number: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
  history: string[];
}
export interface SimDelivery {
  id: number;
  guid: string;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  status_code: number;
  redelivery: boolean;
  delivered_at: string;
  body: string;
}
export interface SimRequest {
  method: string;
  /** the OpenAPI path template the request matched, e.g. /repos/{owner}/{repo}/check-runs */
  route: string;
  path: string;
  body: unknown;
  status: number;
}
export interface SimFault {
  status: number;
  headers: Record<string, string>;
  message: string;
}

export class SimState {
  nextId = 1;
  readonly installations = new Map<number, SimInstallation>();
  readonly repos = new Map<string, SimRepo>();
  readonly tokens = new Map<string, { installationId: number; expiresAt: Date }>();
  readonly checkRuns: SimCheckRun[] = [];
  readonly deployments: SimDeployment[] = [];
  readonly comments: SimComment[] = [];
  readonly deliveries: SimDelivery[] = [];
  readonly requests: SimRequest[] = [];
  readonly faults: SimFault[] = [];

  id(): number {
    return this.nextId++;
  }
  repo(owner: string, name: string): SimRepo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }
}
