// `npm run github:sim`: a local GitHub to try the whole flow by hand. Starts the simulator, writes the App's
// credentials to .gantry/github-sim.json (npm start picks them up: APP_ID, PRIVATE_KEY_PATH, WEBHOOK_SECRET,
// GHE_HOST, GHE_PROTOCOL), creates a repository demo/tasks from examples/, and takes commands on stdin.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { startGitHubSimulator } from "./server.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const STATE = join(ROOT, ".gantry");
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3032" },
    "webhook-url": { type: "string", default: "http://127.0.0.1:3030/api/github/webhooks" },
    "api-url": { type: "string", default: "http://127.0.0.1:3030" },
  },
});

mkdirSync(join(STATE, "github-sim"), { recursive: true });
const credsPath = join(STATE, "github-sim.json");
const previous = existsSync(credsPath) ? (JSON.parse(readFileSync(credsPath, "utf8")) as { APP_ID: string; PRIVATE_KEY_PATH: string; WEBHOOK_SECRET: string }) : undefined;
const sim = await startGitHubSimulator({
  port: Number(values.port),
  webhookUrl: values["webhook-url"],
  ...(previous ? { appId: Number(previous.APP_ID), privateKey: readFileSync(previous.PRIVATE_KEY_PATH, "utf8"), webhookSecret: previous.WEBHOOK_SECRET } : {}),
});
const keyPath = join(STATE, "github-sim", "app.pem");
writeFileSync(keyPath, sim.privateKey, { mode: 0o600 });
writeFileSync(credsPath, JSON.stringify({ APP_ID: String(sim.appId), PRIVATE_KEY_PATH: keyPath, WEBHOOK_SECRET: sim.webhookSecret, GHE_HOST: sim.host, GHE_PROTOCOL: "http" }, null, 2));

const repo = await sim.createRepo({ owner: "demo", name: "tasks" });
const files: Record<string, string> = {};
const examples = join(ROOT, "examples");
const walk = (dir: string, prefix = "") => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) walk(join(dir, entry.name), rel);
    else files[rel] = readFileSync(join(dir, entry.name), "utf8");
  }
};
walk(examples);
await repo.git.commit({ files, message: "Initial commit (examples/)" });

console.log(`GitHub simulator on ${sim.url} (GHE_HOST=${sim.host}); App credentials in ${credsPath}`);
console.log(`Webhooks go to ${values["webhook-url"]}. Repository demo/tasks holds examples/.`);
console.log("Commands: install | connect | push [branch] [message] | pr open <branch> | pr push <n> | pr close <n> | show | quit");

async function connect(): Promise<string> {
  const demo = JSON.parse(readFileSync(join(STATE, "demo.json"), "utf8")) as { accessToken: string; projectRef: string };
  const response = await fetch(`${values["api-url"]}/api/v1/github/connections`, {
    method: "POST",
    headers: { authorization: `Bearer ${demo.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify({ projectRef: demo.projectRef, repository: "demo/tasks" }),
  });
  return `${response.status} ${await response.text()}`;
}

function show(): string {
  const checks = sim.state.checkRuns.map((r) => `  check #${r.id} ${r.head_sha.slice(0, 7)} ${r.status}${r.conclusion ? `/${r.conclusion}` : ""}: ${r.output?.title ?? ""}`);
  const deployments = sim.state.deployments.map((d) => `  deployment #${d.id} ${d.environment} ${d.sha.slice(0, 7)}: ${d.statuses.map((s) => s.state).join(" → ")}`);
  const comments = sim.state.comments.map((c) => `  comment #${c.id} on #${c.issue_number} (edited ${c.history.length - 1}×)`);
  return [...checks, ...deployments, ...comments].join("\n") || "  (nothing yet)";
}

const rl = createInterface({ input: process.stdin });
let installed = false;
for await (const line of rl) {
  const [cmd, sub, arg, ...rest] = line.trim().split(/\s+/);
  try {
    if (cmd === "install") {
      const r = await sim.install({ account: "demo", repos: [repo] });
      installed = true;
      console.log(`installation ${r.installationId}: webhook ${r.delivery.status}`);
    } else if (cmd === "connect") console.log(await connect());
    else if (cmd === "push") {
      if (!installed) console.log("install first");
      const branch = sub ?? repo.defaultBranch;
      const r = await sim.push(repo, { branch, files: { "CHANGELOG.md": `${new Date().toISOString()}\n` }, message: [arg, ...rest].join(" ") || `Update ${branch}` });
      console.log(`pushed ${r.sha.slice(0, 7)} to ${branch}: webhook ${r.delivery.status}`);
    } else if (cmd === "pr" && sub === "open" && arg) {
      if (!(await repo.git.resolve(arg).catch(() => ""))) await repo.git.commit({ branch: arg, files: { [`${arg}.md`]: "change\n" }, message: `Work on ${arg}` });
      const r = await sim.openPullRequest(repo, { head: arg });
      console.log(`opened #${r.pr.number}: webhook ${r.delivery.status}`);
    } else if (cmd === "pr" && sub === "push" && arg) {
      const r = await sim.pushToPullRequest(repo, Number(arg), { files: { "CHANGELOG.md": `${new Date().toISOString()}\n` } });
      console.log(`pushed ${r.sha.slice(0, 7)} to #${arg}: webhook ${r.delivery.status}`);
    } else if (cmd === "pr" && sub === "close" && arg) {
      console.log(`closed #${arg}: webhook ${(await sim.closePullRequest(repo, Number(arg), { merged: true })).status}`);
    } else if (cmd === "show") console.log(show());
    else if (cmd === "quit") break;
    else if (cmd) console.log("Commands: install | connect | push [branch] [message] | pr open <branch> | pr push <n> | pr close <n> | show | quit");
  } catch (error) {
    console.log(`error: ${(error as Error).message}`);
  }
}
await sim.close();
process.exit(0);
