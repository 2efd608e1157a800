import { readFile } from "node:fs/promises";
import type { WorkerProcess } from "./worker-process.js";

/**
 * Resident memory of a process and its descendants (a task's ffmpeg counts against the machine too), read from
 * /proc. Undefined where there is no /proc (not Linux) or the process is gone.
 */
export async function processTreeRss(pid: number): Promise<{ bytes: number; pids: number[] } | undefined> {
  const rss = await rssOf(pid);
  if (rss === undefined) return undefined;
  let bytes = rss;
  const pids = [pid];
  for (let i = 0; i < pids.length && pids.length < 256; i++) {
    for (const child of await childrenOf(pids[i]!)) {
      const childRss = await rssOf(child);
      if (childRss === undefined) continue;
      bytes += childRss;
      pids.push(child);
    }
  }
  return { bytes, pids };
}

async function rssOf(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0; // a zombie has no VmRSS line
  } catch {
    return undefined;
  }
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    // children started by the main thread (Node spawns from it); needs CONFIG_PROC_CHILDREN, which common kernels set
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8");
    return text.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Kills a process whose tree's resident memory passes its machine's memory: the reference detects "the entire
 * process exceeds the memory limit of the machine" as an out-of-memory error, and the `process` executor has no
 * container to enforce it (V8's heap limit covers only the JavaScript heap, not buffers, native code or child
 * processes). One timer for all watched processes, running only while there are some; a check reads two small
 * /proc files per process.
 */
export class MemoryWatch {
  private readonly watched = new Map<WorkerProcess, { limitBytes: number; refs: number }>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private unsupported = false;

  constructor(
    private readonly intervalMs: number,
    private readonly warn: (message: string) => void,
  ) {}

  /** Watches `proc` against `limitBytes` until as many `unwatch` calls (one per attempt it runs). */
  watch(proc: WorkerProcess, limitBytes: number): void {
    if (this.intervalMs <= 0 || this.unsupported) return;
    const entry = this.watched.get(proc);
    if (entry) entry.refs += 1;
    else this.watched.set(proc, { limitBytes, refs: 1 });
    this.timer ??= setInterval(() => void this.check(), this.intervalMs).unref();
  }

  unwatch(proc: WorkerProcess): void {
    const entry = this.watched.get(proc);
    if (!entry) return;
    entry.refs -= 1;
    if (entry.refs <= 0) this.watched.delete(proc);
    if (this.watched.size === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const [proc, { limitBytes }] of this.watched) {
        const pid = proc.pid;
        if (pid === undefined || !proc.alive) continue;
        const usage = await processTreeRss(pid);
        if (usage === undefined) {
          if (proc.alive && (await rssOf(process.pid)) === undefined) this.disable();
          continue;
        }
        if (usage.bytes <= limitBytes || !proc.alive) continue;
        proc.outOfMemory = "rss";
        // the task's own child processes first, so none outlives the worker holding the memory
        for (const child of usage.pids.slice(1).reverse()) {
          try {
            process.kill(child, "SIGKILL");
          } catch {
            // already gone
          }
        }
        proc.kill("SIGKILL");
      }
    } finally {
      this.checking = false;
    }
  }

  private disable(): void {
    this.unsupported = true;
    this.watched.clear();
    this.stop();
    this.warn("no /proc here: attempts are held to their machine's memory by the V8 heap limit only, not by their resident memory");
  }
}
