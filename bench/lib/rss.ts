import { readdir, readFile } from "node:fs/promises";

/** Peak resident set (VmHWM) and current (VmRSS) of a process, in MB, from /proc. Null once it has exited. */
export async function readRss(pid: number): Promise<{ peakMb: number; currentMb: number } | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
    return { peakMb: kb("VmHWM") / 1024, currentMb: kb("VmRSS") / 1024 };
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc; null once it has exited. */
export async function readCpuSeconds(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** Busy and total CPU time of the whole machine so far, in seconds (all CPUs), from /proc/stat. */
export async function readMachineCpuSeconds(): Promise<{ busy: number; total: number } | null> {
  try {
    const line = (await readFile("/proc/stat", "utf8")).split("\n")[0]!; // "cpu  user nice system idle iowait ..."
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return null;
  }
}

/** Direct children of a process (the runner's worker processes), from each process's /proc/<pid>/stat. */
export async function childPids(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")"
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === pid) out.push(Number(entry));
  }
  return out;
}

/**
 * Samples the peak RSS of a set of processes every `everyMs` (VmHWM is the kernel's own high-water mark,
 * so a short spike between samples still counts), and the largest sum of RSS over a process's children.
 */
export class RssSampler {
  private readonly peaks = new Map<string, number>();
  private readonly childPeaks = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: Record<string, number>, private readonly everyMs = 250) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), this.everyMs);
    this.timer.unref();
  }

  async sample(): Promise<void> {
    for (const [name, pid] of Object.entries(this.pids)) {
      const rss = await readRss(pid);
      if (rss) this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, rss.peakMb));
      let childSum = 0;
      for (const child of await childPids(pid)) childSum += (await readRss(child))?.currentMb ?? 0;
      this.childPeaks.set(name, Math.max(this.childPeaks.get(name) ?? 0, childSum));
    }
  }

  async stop(): Promise<{ peakMb: Record<string, number>; childrenPeakMb: Record<string, number> }> {
    if (this.timer) clearInterval(this.timer);
    await this.sample();
    return { peakMb: Object.fromEntries(this.peaks), childrenPeakMb: Object.fromEntries(this.childPeaks) };
  }
}
