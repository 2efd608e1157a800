import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ACTION_DIR } from "../bundle/build-dist.js";

/**
 * Copies action.yml and dist/ (what a workflow's `uses:` checks out) to a fresh temp folder, away from the
 * repository, and checks that no node_modules folder is in reach of it: dist/ must run on its own.
 */
export function copyActionAlone(): string {
  const root = mkdtempSync(join(tmpdir(), "gantry-action-"));
  const dir = join(root, "action");
  mkdirSync(dir);
  cpSync(join(ACTION_DIR, "action.yml"), join(dir, "action.yml"));
  cpSync(join(ACTION_DIR, "dist"), join(dir, "dist"), { recursive: true });
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, "node_modules"))) throw new Error(`${current}/node_modules is in reach of the action copy: the test would not prove dist/ runs alone`);
    if (dirname(current) === current) break;
  }
  return dir;
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface RunActionOptions {
  actionDir: string;
  /** Input names as in action.yml ("api-url"); passed as INPUT_API-URL like the runner does. */
  inputs: Record<string, string>;
  workspace: string;
  eventName: string;
  /** Written to a file that GITHUB_EVENT_PATH names. */
  payload: unknown;
  env?: Record<string, string>;
}

/** Runs `node dist/index.js` with the environment the Actions runner gives a `node20` action step. */
export async function runAction(opts: RunActionOptions): Promise<ActionRun> {
  const runnerTemp = mkdtempSync(join(tmpdir(), "gantry-runner-"));
  const files = { event: join(runnerTemp, "event.json"), output: join(runnerTemp, "output"), summary: join(runnerTemp, "summary.md") };
  writeFileSync(files.event, JSON.stringify(opts.payload));
  writeFileSync(files.output, "");
  writeFileSync(files.summary, "");
  const payload = opts.payload as { after?: string; pull_request?: { head?: { sha?: string; ref?: string } }; ref?: string; repository?: { full_name?: string } };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? runnerTemp,
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_EVENT_NAME: opts.eventName,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_WORKSPACE: opts.workspace,
    GITHUB_SHA: payload.after ?? payload.pull_request?.head?.sha ?? "0000000000000000000000000000000000000000",
    GITHUB_REF: payload.ref ?? "refs/heads/main",
    GITHUB_REF_NAME: (payload.ref ?? "refs/heads/main").replace(/^refs\/(heads|tags)\//, ""),
    GITHUB_REF_TYPE: payload.ref?.startsWith("refs/tags/") ? "tag" : "branch",
    GITHUB_HEAD_REF: payload.pull_request?.head?.ref ?? "",
    GITHUB_REPOSITORY: payload.repository?.full_name ?? "octo/repo",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_RUN_ID: "1",
    RUNNER_TEMP: runnerTemp,
    ...opts.env,
  };
  for (const [name, value] of Object.entries(opts.inputs)) env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = value;

  const child = spawn(process.execPath, [join(opts.actionDir, "dist/index.js")], { cwd: opts.workspace, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  const result = { code, stdout, stderr, outputs: parseOutputs(readFileSync(files.output, "utf8")), summary: readFileSync(files.summary, "utf8") };
  rmSync(runnerTemp, { recursive: true, force: true });
  return result;
}

/** GITHUB_OUTPUT's format: `name<<delimiter\nvalue\ndelimiter` (and plain `name=value`). */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]!);
      outputs[heredoc[1]!] = value.join("\n");
    } else if (line.includes("=")) {
      outputs[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return outputs;
}
