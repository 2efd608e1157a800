// Runs the platform's processes as children, prefixes their output, restarts one that dies (with backoff),
// and stops them all on request: SIGTERM, then SIGKILL after a grace period.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

interface ProcessSpec {
  name: string;
  script: string;
  env: Record<string, string>;
}

export class Supervisor {
  private readonly specs = new Map<string, ProcessSpec>();
  private readonly children = new Map<string, ChildProcess>();
  private readonly restarts = new Map<string, number[]>();
  private stopping = false;
  private exitHook = false;

  add(spec: ProcessSpec) {
    this.specs.set(spec.name, spec);
  }

  start(name: string) {
    const spec = this.specs.get(name);
    if (!spec) throw new Error(`unknown process ${name}`);
    // its own process group: a Ctrl-C in the terminal reaches only the launcher, which stops the children once,
    // in order (a child that also got the terminal's SIGINT would take the launcher's SIGTERM as a second
    // signal and skip its graceful shutdown)
    const child = spawn(process.execPath, ["--import", "tsx", spec.script], { env: spec.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    if (!this.exitHook) {
      this.exitHook = true;
      process.once("exit", () => this.killAll());
    }
    this.children.set(name, child);
    const prefix = `[${name}]`.padEnd(9);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => console.log(`${prefix}${line}`));
    }
    child.on("exit", (code, signal) => {
      this.children.delete(name);
      if (this.stopping) return;
      const now = Date.now();
      const recent = (this.restarts.get(name) ?? []).filter((t) => now - t < 60_000);
      if (recent.length >= 5) {
        console.error(`${prefix}exited (${signal ?? code}) 5 times in a minute: giving up. Fix the error above and run npm start again.`);
        return;
      }
      recent.push(now);
      this.restarts.set(name, recent);
      const delay = 500 * 2 ** (recent.length - 1);
      console.error(`${prefix}exited (${signal ?? code}); restarting in ${delay} ms`);
      setTimeout(() => !this.stopping && this.start(name), delay);
    });
  }

  /** Last resort when the launcher itself exits: detached children would otherwise outlive it. */
  private killAll() {
    for (const child of this.children.values()) if (child.exitCode === null) child.kill("SIGTERM");
  }

  async stopAll(graceMs = 10_000) {
    this.stopping = true;
    const exits = [...this.children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    );
    await Promise.all(exits);
  }
}
