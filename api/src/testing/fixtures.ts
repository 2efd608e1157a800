import { createHash } from "node:crypto";
import type { Artifact, BuildManifest } from "@gantry/sdk/contracts";
import { PLATFORM_SDK_VERSION } from "../deployments/sdk-version.js";

/** A small valid manifest for deployment tests. */
export function testManifest(overrides: Partial<BuildManifest> = {}): BuildManifest {
  return {
    contentHash: "c".repeat(64),
    sdkVersion: PLATFORM_SDK_VERSION,
    runtime: "node",
    entryPoint: "index.mjs",
    config: { project: "proj_gantrydemo" },
    tasks: [
      { id: "hello-world", filePath: "src/trigger/hello.ts", exportName: "helloWorld", triggerSource: "STANDARD" },
      { id: "limited", filePath: "src/trigger/limited.ts", queue: { name: "limited-queue", concurrencyLimit: 2 }, triggerSource: "STANDARD" },
    ],
    queues: [],
    ...overrides,
  };
}

/** An artifact document and its sha256, as `gantry deploy` uploads it. */
export function testArtifact(manifest = testManifest(), files: Record<string, string> = { "index.mjs": "export {};\n" }): {
  body: string;
  hash: string;
} {
  const doc: Artifact = {
    format: "gantry-artifact-v1",
    files: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
    manifest,
  };
  const body = JSON.stringify(doc);
  return { body, hash: createHash("sha256").update(body).digest("hex") };
}

/** fetch against a test api with a bearer token and JSON body. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string | Uint8Array; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Uint8Array | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body as BodyInit | undefined });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
