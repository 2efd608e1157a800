import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Downloads the exact commit (`GET /repos/{owner}/{repo}/tarball/{sha}`) with an installation token and
 * unpacks it into `dir` (GitHub's top folder stripped).
 */
export async function fetchSource(opts: { githubApiUrl: string; repository: string; sha: string; token: string; dir: string; fetch?: typeof fetch }): Promise<void> {
  const url = `${opts.githubApiUrl}/repos/${opts.repository}/tarball/${opts.sha}`;
  const response = await (opts.fetch ?? fetch)(url, {
    headers: { authorization: `token ${opts.token}`, accept: "application/vnd.github+json", "user-agent": "gantry-build-worker" },
    redirect: "follow",
  });
  if (!response.ok) {
    throw new Error(`Downloading ${opts.repository}@${opts.sha.slice(0, 7)} failed: ${response.status} ${await response.text()}: is the App still installed on the repository with contents:read?`);
  }
  await mkdir(opts.dir, { recursive: true });
  const archive = join(opts.dir, "..", `${opts.sha}.tar.gz`);
  await writeFile(archive, Buffer.from(await response.arrayBuffer()));
  await new Promise<void>((resolve, reject) => {
    const child = spawn("tar", ["-xzf", archive, "-C", opts.dir, "--strip-components=1"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`tar failed (${code}): ${stderr.trim()}`))));
  });
}
