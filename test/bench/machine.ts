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
