import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { packPackages } from "./pack-packages.js";

const run = promisify(execFile);
const TSC = fileURLToPath(new URL("../../../node_modules/typescript/bin/tsc", import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("packPackages", () => {
  it("builds SDK and CLI tarballs that install and run without TypeScript: import the SDK, deploy --dry-run a project", async () => {
    const out = mkdtempSync(join(tmpdir(), "gantry-packages-"));
    const project = mkdtempSync(join(tmpdir(), "gantry-user-project-"));
    dirs.push(out, project);

    const { sdk, cli } = await packPackages(out);
    expect(basename(sdk)).toMatch(/^gantry-sdk-\d+\.\d+\.\d+\.tgz$/);
    expect(basename(cli)).toMatch(/^gantry-cli-\d+\.\d+\.\d+\.tgz$/);
    // unchanged sources: the tarballs are reused, not rebuilt
    const built = statSync(sdk).mtimeMs;
    expect(await packPackages(out)).toEqual({ sdk, cli });
    expect(statSync(sdk).mtimeMs).toBe(built);

    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", private: true, type: "module" }));
    // From the local npm cache when it has zod, superjson and esbuild (it does after `npm ci`), else the registry.
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", sdk, cli], { cwd: project, env: { ...process.env, npm_config_update_notifier: "false" } });

    const imported = await run(process.execPath, ["-e", "Promise.all([import('@gantry/sdk'), import('@gantry/sdk/worker'), import('@gantry/sdk/contracts')]).then(([s, w, c]) => console.log(JSON.stringify({ v: s.SDK_VERSION, task: typeof s.task, start: typeof w.startWorker, statuses: c.RUN_STATUSES.length })))"], { cwd: project });
    expect(JSON.parse(imported.stdout)).toEqual({ v: "0.1.0", task: "function", start: "function", statuses: 13 });
    // the React hooks ship too, using the app's own React (an optional peer)
    const manifest = JSON.parse(readFileSync(join(project, "node_modules/@gantry/sdk/package.json"), "utf8"));
    expect(manifest.exports["./react"].default).toBe("./dist/react.mjs");
    expect(existsSync(join(project, "node_modules/@gantry/sdk/dist/react.mjs"))).toBe(true);
    expect(existsSync(join(project, "node_modules/@gantry/sdk/types/react/index.d.ts"))).toBe(true);

    mkdirSync(join(project, "src/trigger"), { recursive: true });
    writeFileSync(
      join(project, "gantry.config.ts"),
      `import { defineConfig } from "@gantry/sdk";\nimport { additionalFiles } from "@gantry/cli/extensions";\nexport default defineConfig({ project: "proj_packed", build: { extensions: [additionalFiles({ files: ["package.json"] })] } });\n`,
    );
    writeFileSync(join(project, "src/trigger/a.ts"), `import { task } from "@gantry/sdk";\nexport const a = task({ id: "packed-task", run: async () => 1 });\n`);
    // TypeScript users get declarations: a typed task and a misuse the compiler must catch.
    writeFileSync(join(project, "check.ts"), `import { task } from "@gantry/sdk";\nexport const t = task({ id: "typed", run: async (p: { n: number }) => p.n * 2 });\nexport const n: string = await t.trigger({ n: 1 }).then((h) => h.id);\n`);
    writeFileSync(join(project, "wrong.ts"), `import { task } from "@gantry/sdk";\ntask({ idd: "typo" });\n`);
    const tsc = [TSC, "--noEmit", "--ignoreConfig", "--strict", "--skipLibCheck", "--module", "esnext", "--moduleResolution", "bundler", "--target", "es2022", "--types", ""];
    await run(process.execPath, [...tsc, "check.ts"], { cwd: project });
    const wrong = await run(process.execPath, [...tsc, "wrong.ts"], { cwd: project }).then(() => "compiled", (e: { stdout: string }) => e.stdout);
    expect(wrong).toContain("wrong.ts");

    const gantry = join(project, "node_modules/.bin/gantry");
    expect((await run(gantry, ["--version"], { cwd: project })).stdout.trim()).toBe("0.1.0");
    const dry = await run(gantry, ["deploy", "--dry-run"], { cwd: project });
    expect(dry.stdout).toContain("Indexed 1 task");
  });
});
