import { execFile } from "node:child_process";
import { mkdtemp, mkdir, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** A local git repository standing in for a GitHub repository's contents (tests and `npm run github:sim`). */
export interface LocalGitRepo {
  dir: string;
  /** Writes `files` (path → content; null deletes) on `branch` (created from the default branch), commits, returns the sha. */
  commit(opts: { branch?: string; files: Record<string, string | null>; message: string }): Promise<string>;
  /** A `.tar.gz` of the tree at `sha`, every path under `prefix/` (as GitHub's tarball endpoint serves it). */
  archive(sha: string, prefix: string): Promise<Buffer>;
  resolve(ref: string): Promise<string>;
  /** a file's content at `ref`, or null when it does not exist there */
  readFile(ref: string, path: string): Promise<Buffer | null>;
  remove(): Promise<void>;
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Octocat",
  GIT_AUTHOR_EMAIL: "octocat@example.com",
  GIT_COMMITTER_NAME: "Octocat",
  GIT_COMMITTER_EMAIL: "octocat@example.com",
};

async function git(dir: string, args: string[]): Promise<string> {
  const { stdout } = await exec("git", args, { cwd: dir, env: GIT_ENV, maxBuffer: 256 * 1024 * 1024, encoding: "utf8" });
  return stdout.trim();
}

export async function createLocalGitRepo(opts: { defaultBranch?: string; dir?: string } = {}): Promise<LocalGitRepo> {
  const defaultBranch = opts.defaultBranch ?? "main";
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), "gantry-sim-repo-")));
  await git(dir, ["init", "-q", "-b", defaultBranch]);
  let hasCommit = false;
  return {
    dir,
    async commit({ branch = defaultBranch, files, message }) {
      if (hasCommit) {
        const exists = await git(dir, ["branch", "--list", branch]);
        await git(dir, exists ? ["checkout", "-q", branch] : ["checkout", "-q", "-b", branch, defaultBranch]);
      }
      for (const [path, content] of Object.entries(files)) {
        const abs = join(dir, path);
        if (content === null) {
          await rm(abs, { force: true });
        } else {
          await mkdir(dirname(abs), { recursive: true });
          await writeFile(abs, content);
        }
      }
      await git(dir, ["add", "-A"]);
      await git(dir, ["commit", "-q", "--allow-empty", "-m", message]);
      hasCommit = true;
      return git(dir, ["rev-parse", "HEAD"]);
    },
    async archive(sha, prefix) {
      const { stdout } = await exec("git", ["archive", "--format=tar.gz", `--prefix=${prefix}/`, sha], {
        cwd: dir,
        env: GIT_ENV,
        encoding: "buffer",
        maxBuffer: 512 * 1024 * 1024,
      });
      return stdout;
    },
    resolve(ref) {
      return git(dir, ["rev-parse", ref]);
    },
    async readFile(ref, path) {
      try {
        const { stdout } = await exec("git", ["show", `${ref}:${path}`], { cwd: dir, env: GIT_ENV, encoding: "buffer", maxBuffer: 64 * 1024 * 1024 });
        return stdout;
      } catch {
        return null;
      }
    },
    async remove() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
