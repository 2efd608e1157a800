// Issue 6's benchmark: webhook received → version DEPLOYED for examples/ (dependencies already installed),
// and the same through the builder's deploy() (what `gantry deploy` runs), side by side. Target under 5 s.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { ensureTemplate } from "../../api/src/testing/global-setup.js";
import { deploy, type DeployStep } from "../../builder/src/deploy/deploy.js";
import { pushPayload } from "../../github-app/src/simulator/payloads.js";
import { startGitHubStack, type GitHubStack } from "../../test/github/github-stack.js";
import { registerCleanup } from "../lib/cleanup.js";
import { round, sleep, summarise } from "../lib/stats.js";
import type { CliSample, GitHubFigures, GitHubSample } from "./figures.js";

const ROOT = resolve(import.meta.dirname, "../..");
export const EXAMPLES_DIR = join(ROOT, "examples");
/** One sample of either path must finish within this, or the phase gives up on that path. */
const SAMPLE_TIMEOUT_MS = 60_000;
/** What starting the stack and the first (warm-up) deploys need before a measured sample can begin. */
const SETUP_ALLOWANCE_MS = 8_000;

/** The files of examples/ as a repository holds them (no node_modules, no dot folders): as `npm run github:sim` does. */
function exampleFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string, prefix = "") => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(join(dir, entry.name), rel);
      else files[rel] = readFileSync(join(dir, entry.name), "utf8");
    }
  };
  walk(EXAMPLES_DIR);
  return files;
}

/**
 * Starts the api + GitHub simulator + github-app + build worker (test/github/github-stack.ts), creates a
 * repository from examples/, installs the App and connects the repo, then alternates pushes (webhook →
 * DEPLOYED, polled on the api) and deploy() calls on examples/ (call → DEPLOYED). The first of each is a
 * warm-up, not counted. Samples stop early past `deadline` (a performance.now() time), saying so.
 */
export async function benchGitHub(opts: { quick: boolean; samples: number; deadline: number }, log: (line: string) => void): Promise<GitHubFigures> {
  const problems: string[] = [];
  const loadStart = round(loadavg()[0] ?? 0);
  const github: GitHubSample[] = [];
  const cli: CliSample[] = [];
  const hadBuildFolder = existsSync(join(EXAMPLES_DIR, ".gantry"));
  const removeBuilds = registerCleanup("examples/.gantry build folder", async () => {
    if (!hadBuildFolder) rmSync(join(EXAMPLES_DIR, ".gantry"), { recursive: true, force: true });
  });
  if (performance.now() + SETUP_ALLOWANCE_MS > opts.deadline) {
    problems.push(`github: skipped, the time budget${opts.quick ? " of --quick" : ""} ran out before it`);
    return finish();
  }

  log("  starting the api, the GitHub simulator, the github-app and a build worker (test/github/github-stack.ts)");
  await ensureTemplate();
  let stack: GitHubStack | undefined;
  const closeStack = registerCleanup("GitHub stack", async () => stack?.close());
  try {
    const s = (stack = await startGitHubStack({ buildTimeoutMs: SAMPLE_TIMEOUT_MS }));
    const projectRef = s.api.seed.projectRef;
    const files = exampleFiles();
    // examples/ names the demo project; the stack seeds that same project, so the build's config matches
    const configRef = /project:\s*"([^"]+)"/.exec(files["gantry.config.ts"] ?? "")?.[1];
    if (configRef !== projectRef) throw new Error(`examples/gantry.config.ts names project ${configRef ?? "(none)"}, the seeded one is ${projectRef}`);
    const repo = await s.sim.createRepo({ owner: "bench", name: "examples" });
    await repo.git.commit({ files, message: "Initial commit (examples/)" });
    const installed = await s.sim.install({ account: "bench", repos: [repo] });
    if (installed.delivery.status !== 200) throw new Error(`installation webhook answered ${installed.delivery.status}`);
    const connected = await s.request("POST", "/api/v1/github/connections", { projectRef, repository: "bench/examples" });
    if (connected.status !== 201) throw new Error(`connecting bench/examples answered ${connected.status}: ${JSON.stringify(connected.body)}`);

    const deployedSha = async (sha: string) => {
      const listed = await s.request("GET", `/api/v1/projects/${projectRef}/deployments?env=prod&limit=10`);
      const items = (listed.body?.data ?? []) as Array<{ status: string; git?: { commitSha?: string } }>;
      const mine = items.find((d) => d.git?.commitSha === sha);
      if (mine && ["FAILED", "CANCELED", "TIMED_OUT"].includes(mine.status)) throw new Error(`the deployment of ${sha.slice(0, 7)} ended ${mine.status}`);
      return mine?.status === "DEPLOYED";
    };
    const buildFailure = async (sha: string) => {
      const [row] = await s.api.deps.sql`select status, error from github_builds where sha = ${sha} order by created_at desc limit 1`;
      return row && ["FAILED", "CANCELED", "TIMED_OUT"].includes(row.status as string) ? `${row.status}: ${JSON.stringify(row.error)}` : undefined;
    };

    const pushOnce = async (i: number): Promise<GitHubSample> => {
      const branch = repo.defaultBranch;
      const before = await repo.git.resolve(branch);
      const sha = await repo.git.commit({ branch, files: { "CHANGELOG.md": `bench push ${i} at ${new Date().toISOString()}\n` }, message: `Bench push ${i}` });
      const payload = pushPayload({ installationId: repo.installationId, repo, ref: `refs/heads/${branch}`, before, after: sha, message: `Bench push ${i}`, pusher: repo.owner });
      const t0 = performance.now();
      const delivery = await s.sim.deliver("push", payload);
      const webhookMs = performance.now() - t0;
      if (delivery.status !== 200) throw new Error(`the push webhook answered ${delivery.status}`);
      for (;;) {
        if (await deployedSha(sha)) break;
        if (performance.now() - t0 > SAMPLE_TIMEOUT_MS) throw new Error(`push ${sha.slice(0, 7)} not DEPLOYED after ${SAMPLE_TIMEOUT_MS / 1000} s`);
        const failed = await buildFailure(sha);
        if (failed) throw new Error(`the build of ${sha.slice(0, 7)} ${failed}`);
        await sleep(20);
      }
      const totalMs = performance.now() - t0;
      const wallDeployed = Date.now();
      // Postgres' clock and this process's are the same machine's
      const [row] = await s.api.deps.sql`
        select extract(epoch from (started_at - created_at)) * 1000 as queued, ${wallDeployed} - extract(epoch from started_at) * 1000 as build
        from github_builds where sha = ${sha} order by created_at desc limit 1`;
      const num = (v: unknown) => (v === null || v === undefined ? null : round(Number(v)));
      return { totalMs: round(totalMs), webhookMs: round(webhookMs), queuedMs: num(row?.queued), buildMs: num(row?.build) };
    };

    const cliOnce = async (): Promise<CliSample> => {
      const steps: Partial<Record<DeployStep, number>> = {};
      let last: { step: DeployStep; at: number } | undefined;
      const t0 = performance.now();
      const result = await deploy({
        cwd: EXAMPLES_DIR,
        apiUrl: s.url,
        accessToken: s.api.seed.accessToken,
        env: "prod",
        logger: { debug: () => {}, log: () => {}, warn: () => {} },
        onProgress: (e) => {
          const now = performance.now();
          if (last) steps[last.step] = round((steps[last.step] ?? 0) + now - last.at);
          last = { step: e.step, at: now };
        },
      });
      const totalMs = performance.now() - t0;
      if (result.status !== "DEPLOYED") throw new Error(`deploy() returned ${result.status}`);
      return { totalMs: round(totalMs), steps };
    };

    // warm-up: the first build of each path pays module loading and esbuild's start; not counted
    log("  warm-up: one push and one deploy() (not counted)");
    await pushOnce(0);
    await cliOnce();
    log(`  measuring ${opts.samples} push${opts.samples === 1 ? "" : "es"} (webhook → DEPLOYED) and ${opts.samples} deploy() call${opts.samples === 1 ? "" : "s"}, alternated`);
    for (let i = 1; i <= opts.samples; i++) {
      const lastTook = github.length ? github.at(-1)!.totalMs + cli.at(-1)!.totalMs : 0;
      if (i > 1 && performance.now() + lastTook * 1.5 > opts.deadline) {
        problems.push(`github: stopped after ${i - 1} of ${opts.samples} samples, the time budget${opts.quick ? " of --quick" : ""} ran out`);
        break;
      }
      const g = await pushOnce(i);
      github.push(g);
      const c = await cliOnce();
      cli.push(c);
      log(`    #${i}: webhook → DEPLOYED ${Math.round(g.totalMs)} ms, deploy() → DEPLOYED ${Math.round(c.totalMs)} ms`);
    }
  } catch (error) {
    problems.push(`github: ${(error as Error).message}`);
    log(`  failed: ${(error as Error).message}`);
  } finally {
    await closeStack();
    await removeBuilds();
  }
  return finish();

  function finish(): GitHubFigures {
    const median = (xs: Array<number | null>) => summarise(xs.filter((x): x is number => x !== null)).p50;
    const stepNames = [...new Set(cli.flatMap((c) => Object.keys(c.steps)))] as DeployStep[];
    return {
      date: new Date().toISOString(),
      quick: opts.quick,
      samples: github.length,
      webhookToDeployed: summarise(github.map((g) => g.totalMs)),
      cliDeploy: summarise(cli.map((c) => c.totalMs)),
      github,
      cli,
      loadAverage: { start: loadStart, end: round(loadavg()[0] ?? 0), cpus: cpus().length },
      parts: {
        webhookMs: median(github.map((g) => g.webhookMs)),
        queuedMs: median(github.map((g) => g.queuedMs)),
        buildMs: median(github.map((g) => g.buildMs)),
        cliSteps: Object.fromEntries(stepNames.map((n) => [n, median(cli.map((c) => c.steps[n] ?? null))])),
      },
      setup: [
        "api, GitHub simulator, github-app (Probot) and build worker in the bench process, as test/github/github-stack.ts starts them; a fresh database cloned from the test template and its own Redis prefix",
        "repository bench/examples in the simulator holding examples/ (no lockfile: the install step is skipped; the build folder sits in the work tree so node_modules resolve from the workspace root, i.e. dependencies already installed)",
        "each push commits a CHANGELOG.md change and delivers a signed push webhook to main (prod); its timer starts when the webhook is sent and stops when GET /api/v1/projects/:ref/deployments lists that commit DEPLOYED (polled every 20 ms)",
        "deploy() of builder/src/deploy/deploy.ts on examples/ to prod with the seeded access token: from the call until it returns the finalized DEPLOYED deployment",
        "one warm-up of each path first (not counted); pushes and deploy() calls alternate so both see the same machine",
      ],
      problems,
    };
  }
}
