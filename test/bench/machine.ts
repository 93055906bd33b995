import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';

/** What the figures were measured on, taken when the bench starts. */
export interface Machine {
  node: string;
  os: string;
  cpuModel: string;
  cpuCount: number;
  totalMemoryGiB: number;
  loadAverage: [number, number, number];
}

export function machine(): Machine {
  const cpu = cpus();
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return {
    node: process.version,
    os: `${platform()} ${release()}`,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown CPU',
    cpuCount: cpu.length,
    totalMemoryGiB: totalmem() / 1024 ** 3,
    loadAverage: [one, five, fifteen],
  };
}

export function describeMachine(m: Machine): string[] {
  return [
    `node ${m.node} on ${m.os}`,
    `CPU: ${m.cpuModel} × ${m.cpuCount}`,
    `memory: ${m.totalMemoryGiB.toFixed(1)} GiB`,
    `load average at start (1/5/15 min): ${m.loadAverage.map((l) => l.toFixed(2)).join(' / ')}`,
  ];
}

let clockTicks: number | undefined;

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat;
 * null where there is no /proc. On a busy machine a run's wall time moves with
 * the other load, its CPU time far less.
 */
export function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return null;
  }
}
