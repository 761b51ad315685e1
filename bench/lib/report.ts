// What every benchmark reports besides its own figures: the measured process's CPU time and
// peak RSS. A script calls `report(name, figures)` once at the end.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

export interface Measured {
  cpu_seconds: number;
  peak_rss_mib: number;
}

/** CPU seconds and peak RSS of this process so far. */
export function selfUsage(): Measured {
  const { user, system } = process.cpuUsage();
  return { cpu_seconds: (user + system) / 1e6, peak_rss_mib: process.resourceUsage().maxRSS / 1024 };
}

/** CPU seconds and peak RSS of another process, from /proc (Linux). */
export async function processUsage(pid: number): Promise<Measured> {
  const { readFile } = await import('node:fs/promises');
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpu_seconds: ticks / 100, peak_rss_mib: hwm / 1024 };
}

/**
 * A process's CPU over a measured window of `seconds` (as a share of one core and in seconds),
 * its peak RSS, and the machine's load beside them: the machine is shared, and a busy one makes
 * every figure worse.
 */
export function usageFigures(before: Measured, after: Measured, seconds: number) {
  const cpu = after.cpu_seconds - before.cpu_seconds;
  return {
    cpu_percent_of_one_core: Math.round((cpu / seconds) * 1000) / 10,
    cpu_seconds: Math.round(cpu * 100) / 100,
    peak_rss_mib: Math.round(after.peak_rss_mib * 10) / 10,
    machine_load_1m: Math.round(loadavg()[0] * 10) / 10,
  };
}

export function report(name: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({ benchmark: name, ...figures });
  mkdirSync(join(process.cwd(), 'bench-results'), { recursive: true });
  writeFileSync(join(process.cwd(), 'bench-results', `${name}.json`), `${line}\n`);
  process.stdout.write(`${line}\n`);
}
