// The dashboard speaks the platform's REST API with a session cookie (HttpOnly: script never sees it). Writes carry
// the session's CSRF token; requests that act in an environment name it in x-gantry-environment.
export class ApiFailure extends Error {
  constructor(readonly status: number, message: string, readonly param?: string) {
    super(message);
  }
}

const ENV_KEY = "gantry.environmentId";

export const session = {
  csrfToken: "",
  get environmentId(): string | null {
    return localStorage.getItem(ENV_KEY);
  },
  set environmentId(id: string | null) {
    if (id) localStorage.setItem(ENV_KEY, id);
    else localStorage.removeItem(ENV_KEY);
  },
};

export interface ApiInit {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function api<T>(path: string, init: ApiInit = {}): Promise<T> {
  const method = init.method ?? "GET";
  const headers: Record<string, string> = { "content-type": "application/json", ...init.headers };
  if (method !== "GET" && method !== "HEAD") headers["x-gantry-csrf"] = session.csrfToken;
  if (session.environmentId && !headers["x-gantry-environment"]) headers["x-gantry-environment"] = session.environmentId;
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!response.ok) {
    const message = typeof body?.error === "string" ? body.error : (body?.error?.message ?? response.statusText);
    if (response.status === 401 && path !== "/api/v1/dashboard/sign-in") dispatchEvent(new Event("gantry:signed-out"));
    throw new ApiFailure(response.status, message, body?.param);
  }
  return body as T;
}

export const errorText = (e: unknown) => (e instanceof ApiFailure && e.param ? `${e.message} (${e.param})` : e instanceof Error ? e.message : String(e));

export interface Environment {
  id: string;
  slug: "dev" | "staging" | "prod" | "preview";
  type: string;
  branchName: string | null;
  parentId: string | null;
  archivedAt: string | null;
  currentVersion: string | null;
}

export interface Project {
  id: string;
  ref: string;
  name: string;
  organization: { id: string; slug: string; title: string };
  environments: Environment[];
}

export interface SessionInfo {
  user: { id: string; email: string; name: string | null };
  csrfToken: string;
  projects: Project[];
}

export interface RunSummary {
  id: string;
  status: string;
  taskIdentifier: string;
  version?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  delayedUntil?: string;
  durationMs: number;
  tags: string[];
  isTest: boolean;
  isCompleted?: boolean;
}

export interface RunDetail extends RunSummary {
  payload?: unknown;
  output?: unknown;
  error?: { message: string; name?: string; stackTrace?: string };
  attemptCount: number;
  attempts?: Array<{ id: string; number: number; status: string; startedAt?: string; completedAt?: string; error?: { message: string } }>;
  metadata?: Record<string, unknown>;
  isCompleted: boolean;
  relatedRuns: { parent?: RunSummary; root?: RunSummary; children?: RunSummary[] };
  replayedFromId?: string;
  idempotencyKey?: string;
}

export interface TaskEvent {
  id: string;
  time: string;
  level: string;
  message: string;
  attemptNumber: number;
  kind: "log" | "span";
  durationMs?: number;
  spanId?: string;
  parentSpanId?: string;
  attributes?: Record<string, unknown>;
}

export interface Deployment {
  id: string;
  shortCode: string;
  version: string;
  status: string;
  environment: { id: string; slug: string; branchName?: string | null };
  tasks: Array<{ id: string; filePath: string }>;
  git?: { commitSha?: string; commitMessage?: string; commitRef?: string; pullRequestNumber?: number; pullRequestUrl?: string; remoteUrl?: string } | null;
  error?: { message: string } | null;
  isCurrent: boolean;
  createdAt: string;
  deployedAt?: string | null;
}

export const envLabel = (e: Environment) => (e.branchName ? `preview / ${e.branchName}${e.archivedAt ? " (archived)" : ""}` : e.slug);
