import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProject, type BuildResult } from "../build/build-project.js";
import { loadConfig } from "../config/load-config.js";

const FIXTURE = fileURLToPath(new URL("../../test/fixtures/extensions/", import.meta.url));

describe("build extensions", () => {
  let result: BuildResult;
  beforeAll(async () => {
    result = await buildProject({ config: await loadConfig({ cwd: FIXTURE }), target: "deploy" });
  });
  afterAll(() => {
    if (result) rmSync(result.outDir, { recursive: true, force: true });
  });

  it("emitDecoratorMetadata compiles decorated files with TypeScript, emitting design:type metadata", () => {
    const bundle = readFileSync(join(result.outDir, "index.mjs"), "utf8");
    expect(bundle).toContain('__metadata("design:type", String)');
    expect(bundle).toContain('__metadata("design:type", Number)');
    expect(result.manifest.tasks.map((t) => t.id)).toEqual(["entity"]);
  });

  it("esbuildPlugin adds a plugin for its target only", () => {
    expect(readFileSync(join(result.outDir, "index.mjs"), "utf8")).toMatch(/42/);
  });

  it("additionalPackages and externalsForTarget ship packages in node_modules instead of the bundle", () => {
    expect(result.externals).toHaveProperty("copy-anything");
    expect(result.externals).toHaveProperty("superjson");
    expect(result.files).toContain("node_modules/copy-anything/package.json");
    expect(readFileSync(join(result.outDir, "index.mjs"), "utf8")).toMatch(/from "superjson"/);
  });

  it("a custom extension's onBuildComplete sees the target and manifest and adds files", () => {
    expect(JSON.parse(readFileSync(join(result.outDir, "build-info.json"), "utf8"))).toEqual({ target: "deploy", sdkVersion: "0.1.0", entryPoint: "index.mjs" });
    expect(result.files).toContain("config-copy/gantry.config.ts");
  });

  it("additionalPackages names the install command when a package is missing", async () => {
    const { additionalPackages } = await import("./additional-packages.js");
    const config = await loadConfig({ cwd: FIXTURE });
    config.build.extensions = [additionalPackages({ packages: ["definitely-not-installed-pkg@1.0.0"] })];
    const error = await buildProject({ config, target: "deploy" }).catch((e: Error) => e);
    expect((error as Error).message).toContain("npm install definitely-not-installed-pkg@1.0.0");
  });
});
