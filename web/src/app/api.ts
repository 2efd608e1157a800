// The dashboard speaks the same REST API as the SDK. Until dashboard sessions land, it signs in with an
// environment's secret key, kept in this tab's sessionStorage only.
const KEY = "gantry.secretKey";

export class ApiFailure extends Error {
  constructor(readonly status: number, message: string, readonly param?: string) {
    super(message);
  }
}

export const session = {
  get key(): string | null {
    return sessionStorage.getItem(KEY);
  },
  signIn(key: string) {
    sessionStorage.setItem(KEY, key.trim());
  },
  signOut() {
    sessionStorage.removeItem(KEY);
  },
  /** dev, staging, prod or preview, read from the key's prefix */
  get environment(): string {
    const match = /^tr_([a-z]+)_/.exec(this.key ?? "");
    return ({ stg: "staging" } as Record<string, string>)[match?.[1] ?? ""] ?? match?.[1] ?? "";
  },
};

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(path, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${session.key ?? ""}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const message = typeof body?.error === "string" ? body.error : (body?.error?.message ?? response.statusText);
    throw new ApiFailure(response.status, message, body?.param);
  }
  return body as T;
}

export interface RunSummary {
  id: string;
  status: string;
  taskIdentifier: string;
  version?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs: number;
  tags: string[];
  isTest: boolean;
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
}
