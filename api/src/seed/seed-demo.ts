import {
  ENVIRONMENT_SLUGS,
  PERSONAL_ACCESS_TOKEN_PREFIX,
  RUNNER_TOKEN_PREFIX,
  SECRET_KEY_PREFIX,
  type EnvironmentSlug,
} from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { deriveToken } from "../crypto/tokens.js";
import { createOrganization, createProject, projectInfo } from "../projects/service.js";
import { createPersonalAccessToken, createRunnerToken, createUser } from "../tokens/service.js";

export const DEMO_PROJECT_REF = "proj_gantrydemo";
export const DEMO_EMAIL = "demo@gantry.local";

export interface DemoSeed {
  organizationId: string;
  userId: string;
  email: string;
  projectId: string;
  projectRef: string;
  environments: Record<EnvironmentSlug, { id: string; apiKey: string }>;
  /** tr_pat_… of the demo user */
  accessToken: string;
  /** gr_runner_… */
  runnerToken: string;
}

/**
 * The demo organization, user, project (stable ref) with dev, staging, prod and preview environments, an
 * access token and a runner token. Idempotent: running it again returns the same project, keys and tokens
 * (the tokens are derived from GANTRY_ENCRYPTION_KEY, so they are never stored in clear).
 */
export async function seedDemo(deps: ApiDeps, opts: { projectRef?: string } = {}): Promise<DemoSeed> {
  const projectRef = opts.projectRef ?? DEMO_PROJECT_REF;
  const key = deps.config.encryptionKey;
  const user = await createUser(deps, { email: DEMO_EMAIL, name: "Demo User", isAdmin: true });
  const org = await createOrganization(deps, { slug: "demo", title: "Demo", userId: user.id });
  const keys = Object.fromEntries(
    ENVIRONMENT_SLUGS.map((slug) => [slug, deriveToken(key, SECRET_KEY_PREFIX[slug], `demo/${projectRef}/${slug}`, 24)]),
  ) as Record<EnvironmentSlug, string>;
  const project = await createProject(deps, { userId: user.id, organizationId: org.id, name: "Gantry demo", ref: projectRef, keys });
  const info = await projectInfo(deps, project, user.id, true);

  const environments = {} as DemoSeed["environments"];
  for (const slug of ENVIRONMENT_SLUGS) {
    const env = info.environments.find((e) => e.slug === slug && !e.branchName);
    if (!env?.apiKey) throw new Error(`seedDemo: environment ${slug} of ${projectRef} has no key`);
    environments[slug] = { id: env.id, apiKey: env.apiKey };
  }

  const accessToken = deriveToken(key, PERSONAL_ACCESS_TOKEN_PREFIX, `demo/${DEMO_EMAIL}/pat`);
  await createPersonalAccessToken(deps, user.id, "demo", accessToken);
  const runnerToken = deriveToken(key, RUNNER_TOKEN_PREFIX, "demo/runner");
  await createRunnerToken(deps, "demo", runnerToken);

  return {
    organizationId: org.id,
    userId: user.id,
    email: user.email,
    projectId: project.id,
    projectRef,
    environments,
    accessToken,
    runnerToken,
  };
}
