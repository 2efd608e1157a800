import os from "node:os";

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
  /** 1-minute load average when the bench started and ended: far above the CPU count means other work shared the machine */
  loadAverage: { start: number; end: number };
}

const startLoad = os.loadavg()[0] ?? 0;

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: { start: Math.round(startLoad * 10) / 10, end: Math.round((os.loadavg()[0] ?? 0) * 10) / 10 },
  };
}
