import type { BuildManifest } from "@gantry/sdk/contracts";
import { call, testArtifact, testManifest } from "../testing/fixtures.js";
import type { TestApi } from "../testing/harness.js";
import { PLATFORM_SDK_VERSION } from "../deployments/sdk-version.js";

type TaskSpec = BuildManifest["tasks"][number];

/** A `schedules.task` as the builder indexes it (cron: string or the object form). */
export function scheduledTask(id: string, schedule?: TaskSpec["schedule"]): TaskSpec {
  return { id, filePath: `src/trigger/${id}.ts`, exportName: id, triggerSource: "SCHEDULED", ...(schedule ? { schedule } : {}) };
}

export function standardTask(id: string): TaskSpec {
  return { id, filePath: `src/trigger/${id}.ts`, exportName: id, triggerSource: "STANDARD" };
}

/** Deploys (create, upload, finalize) a version with these tasks; returns the finalize response. */
export async function deployTasks(
  api: TestApi,
  key: string,
  tasks: TaskSpec[],
  opts: { branch?: string; skipPromotion?: boolean } = {},
): Promise<{ status: number; body: any }> {
  const created = await call(api.url, "POST", "/api/v1/deployments", {
    token: key,
    body: { sdkVersion: PLATFORM_SDK_VERSION, ...(opts.branch ? { branch: opts.branch } : {}) },
  });
  if (created.status !== 201) throw new Error(`create deployment: ${created.status} ${JSON.stringify(created.body)}`);
  // a distinct artifact per deploy (the content hash differs with the task list)
  const artifact = testArtifact(testManifest({ tasks }), { "index.mjs": `export {}; // ${tasks.map((t) => t.id).join(",")} ${created.body.id}\n` });
  const up = await call(api.url, "PUT", `/api/v1/artifacts/${artifact.hash}`, {
    token: key,
    raw: artifact.body,
    headers: { "content-type": "application/json" },
  });
  if (up.status !== 201) throw new Error(`upload artifact: ${up.status} ${JSON.stringify(up.body)}`);
  return call(api.url, "POST", `/api/v1/deployments/${created.body.id}/finalize`, {
    token: key,
    body: { artifactHash: artifact.hash, manifest: testManifest({ tasks }), ...(opts.skipPromotion ? { skipPromotion: true } : {}) },
  });
}
