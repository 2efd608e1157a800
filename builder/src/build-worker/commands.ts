import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** The install command a lockfile implies; null when there is no lockfile (nothing to install). */
export function detectInstallCommand(dir: string): string | null {
  if (existsSync(join(dir, "pnpm-lock.yaml"))) return "pnpm install --frozen-lockfile";
  if (existsSync(join(dir, "yarn.lock"))) return "yarn install --frozen-lockfile";
  if (existsSync(join(dir, "bun.lockb")) || existsSync(join(dir, "bun.lock"))) return "bun install --frozen-lockfile";
  if (existsSync(join(dir, "package-lock.json"))) return "npm ci";
  return null;
}

/** Runs a shell command in `cwd`, each output line to `log`; rejects with the exit code and the last lines. */
export function runCommand(command: string, opts: { cwd: string; env: Record<string, string | undefined>; log: (line: string) => void; signal: AbortSignal }): Promise<void> {
  return new Promise((resolve, reject) => {
    opts.log(`$ ${command}`);
    const child = spawn(command, { cwd: opts.cwd, env: opts.env, shell: true, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (!line) continue;
        opts.log(line);
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const abort = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    opts.signal.addEventListener("abort", abort, { once: true });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      opts.signal.removeEventListener("abort", abort);
      if (code === 0) resolve();
      else reject(new Error(`\`${command}\` ${signal ? `was killed (${signal})` : `exited with code ${code}`}${tail.length ? `:\n${tail.join("\n")}` : ""}`));
    });
  });
}
