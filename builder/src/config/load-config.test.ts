import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CliError } from "../errors.js";
import { discoverTaskFiles } from "./discover-tasks.js";
import { loadConfig } from "./load-config.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-config-"));
  dirs.push(dir);
  for (const [path, contents] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), contents);
  }
  return dir;
}

async function loadError(cwd: string, configPath?: string): Promise<CliError> {
  const error = await loadConfig({ cwd, configPath }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe("loadConfig", () => {
  it("loads a TypeScript config, auto-detecting `trigger` folders when dirs is not set", async () => {
    const cwd = project({
      "gantry.config.ts": `const retries: number = 2;\nexport default { project: "proj_abc123", maxDuration: 30, retries: { default: { maxAttempts: retries } } };`,
      "app/jobs/trigger/a.ts": "",
    });
    const config = await loadConfig({ cwd });
    expect(config.project).toBe("proj_abc123");
    expect(config.dirs).toEqual(["app/jobs/trigger"]);
    expect(config.runtime).toMatchObject({ project: "proj_abc123", maxDuration: 30, retries: { default: { maxAttempts: 2 } } });
  });

  it("takes --config and --project-ref", async () => {
    const cwd = project({ "configs/tasks.config.mjs": `export default { project: "proj_fromfile" };` });
    const config = await loadConfig({ cwd, configPath: "configs/tasks.config.mjs", projectRef: "proj_override" });
    expect(config.project).toBe("proj_override");
    expect(config.rootDir).toBe(join(cwd, "configs"));
  });

  it("names the missing project ref and the fix", async () => {
    const error = await loadError(project({ "gantry.config.ts": `export default { dirs: ["src/trigger"] };` }));
    expect(error.code).toBe("invalid_config");
    expect(error.message).toMatch(/project.*required.*proj_/);
  });

  it("rejects a malformed project ref and an unknown machine, naming the field", async () => {
    expect((await loadError(project({ "gantry.config.ts": `export default { project: "my project" };` }))).message).toContain("project");
    const machine = await loadError(project({ "gantry.config.ts": `export default { project: "proj_a1", machine: "huge" };` }));
    expect(machine.message).toContain("machine");
  });

  it("says to run `gantry init` when there is no config, and names a wrong --config path", async () => {
    const cwd = project({ "README.md": "" });
    expect((await loadError(cwd)).message).toContain("gantry init");
    expect((await loadError(cwd, "nope.config.ts")).message).toContain("nope.config.ts");
  });

  it("reports a syntax error in the config with its line", async () => {
    const error = await loadError(project({ "gantry.config.ts": `export default {\n  project: "proj_a1",,\n};` }));
    expect(error.message).toContain("gantry.config.ts:2:");
  });
});

describe("discoverTaskFiles", () => {
  it("lists task files with init.ts first, skipping tests, specs and declarations", async () => {
    const cwd = project({
      "src/trigger/zeta.ts": "",
      "src/trigger/alpha.ts": "",
      "src/trigger/init.ts": "",
      "src/trigger/nested/deep.mjs": "",
      "src/trigger/alpha.test.ts": "",
      "src/trigger/alpha.spec.ts": "",
      "src/trigger/types.d.ts": "",
      "src/trigger/nested/init.ts": "",
    });
    expect(await discoverTaskFiles(cwd, ["src/trigger"])).toEqual([
      "src/trigger/init.ts",
      "src/trigger/alpha.ts",
      "src/trigger/nested/deep.mjs",
      "src/trigger/nested/init.ts",
      "src/trigger/zeta.ts",
    ]);
    expect(await discoverTaskFiles(cwd, ["src/trigger"], ["**/nested/**"])).toEqual(["src/trigger/init.ts", "src/trigger/alpha.ts", "src/trigger/zeta.ts"]);
  });
});
