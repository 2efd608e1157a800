import type { Redis } from "ioredis";
import type { Sql } from "postgres";
import type { EnvironmentSlug, EnvironmentType } from "@gantry/sdk/contracts";
import type { ApiConfig } from "./config.js";

/** The environment a request acts in, resolved by auth (cached in memory: a trigger does no extra read). */
export interface AuthEnvironment {
  id: string;
  slug: EnvironmentSlug;
  type: EnvironmentType;
  projectId: string;
  projectRef: string;
  organizationId: string;
  /** preview branch name, or null */
  branchName: string | null;
  /** owner of a dev environment, or null */
  userId: string | null;
  archivedAt: Date | null;
}

export type AuthContext =
  /** a secret key (`tr_dev_…`), a JWT the official client signed with it, or a dashboard session acting in it */
  | { kind: "environment"; via: "secretKey" | "publicToken" | "session"; environment: AuthEnvironment; scopes?: string[] }
  /** the token an attempt gets, scoped to its own run */
  | { kind: "run"; environment: AuthEnvironment; runId: string; attemptNumber: number }
  /** a personal access token (CLI) or a dashboard session */
  | { kind: "user"; userId: string; via: "pat" | "session" }
  /** a runner token */
  | { kind: "runner"; runnerTokenId: string };

/** Everything modules receive instead of reaching for globals. */
export interface ApiDeps {
  config: ApiConfig;
  sql: Sql;
  /** for commands (BullMQ producer, leases, caches) */
  redis: Redis;
  /** now(), injectable in tests */
  clock: () => Date;
}

/** Hono's env type for every router. */
export type AppEnv = { Variables: { auth: AuthContext; deps: ApiDeps; requestId: string } };
