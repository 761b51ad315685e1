// The host-wide scrapers read from /proc: cpu (/proc/stat, /proc/cpuinfo), memory
// (/proc/meminfo), load (/proc/loadavg), paging (/proc/swaps, /proc/vmstat), processes
// (/proc/stat and each /proc/<pid>/stat) and system (/proc/uptime). Values and attributes as
// contrib's scrapers give them on Linux (gopsutil's readings of the same files).
import { MetricsBuilder } from '../builder.ts';
import type { Config } from '../config.ts';
import { CLOCK_TICKS, keyValues } from '../hostfs.ts';
import { SCRAPER_METRICS } from '../metadata.ts';
import { hostResult, type ScrapeContext, type Scraper } from './scraper.ts';

type Scrapers = NonNullable<Config['scrapers']>;

// /proc/stat's per-CPU columns in order, and the contrib state each is reported as
const CPU_COLUMNS = ['user', 'nice', 'system', 'idle', 'wait', 'interrupt', 'softirq', 'steal'] as const;

interface CpuTimes {
  cpu: string;
  times: number[];
}

function cpuTimes(stat: string): CpuTimes[] {
  const out: CpuTimes[] = [];
  for (const line of stat.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const fields = m[2].trim().split(/\s+/).map(Number);
    out.push({ cpu: `cpu${m[1]}`, times: CPU_COLUMNS.map((_, i) => (fields[i] ?? 0) / CLOCK_TICKS) });
  }
  return out;
}

export function cpuScraper(config: NonNullable<Scrapers['cpu']>): Scraper {
  let previous: { at: bigint; cpus: Map<string, number[]> } | undefined;
  return {
    name: 'cpu',
    async scrape({ fs, now, boot }: ScrapeContext) {
      const b = new MetricsBuilder(SCRAPER_METRICS.cpu, config.metrics, boot, now);
      const cpus = cpuTimes(await fs.read('proc/stat'));
      for (const { cpu, times } of cpus)
        CPU_COLUMNS.forEach((state, i) => b.add('system.cpu.time', times[i], { cpu, state }));
      if (b.enabled('system.cpu.utilization') && previous) {
        // each state's share of the time that passed on that CPU since the last scrape
        for (const { cpu, times } of cpus) {
          const before = previous.cpus.get(cpu);
          if (!before) continue;
          const total = times.reduce((a, t, i) => a + t - before[i], 0);
          if (total <= 0) continue;
          CPU_COLUMNS.forEach((state, i) =>
            b.add('system.cpu.utilization', (times[i] - before[i]) / total, { cpu, state }),
          );
        }
      }
      previous = { at: now, cpus: new Map(cpus.map((c) => [c.cpu, c.times])) };
      b.add('system.cpu.logical.count', cpus.length);
      if (b.enabled('system.cpu.physical.count') || b.enabled('system.cpu.frequency')) {
        const info = await fs.read('proc/cpuinfo');
        const cores = new Set<string>();
        for (const block of info.split('\n\n')) {
          const field = (k: string) => new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(block)?.[1];
          const processor = field('processor');
          if (processor === undefined) continue;
          cores.add(`${field('physical id') ?? '0'}/${field('core id') ?? processor}`);
          const mhz = field('cpu MHz');
          if (mhz !== undefined) b.add('system.cpu.frequency', Number(mhz) * 1e6, { cpu: `cpu${processor}` });
        }
        b.add('system.cpu.physical.count', cores.size);
      }
      return hostResult(b.build());
    },
  };
}

export function memoryScraper(config: NonNullable<Scrapers['memory']>): Scraper {
  return {
    name: 'memory',
    async scrape({ fs, now, boot }: ScrapeContext) {
      const b = new MetricsBuilder(SCRAPER_METRICS.memory, config.metrics, boot, now);
      const mem = keyValues(await fs.read('proc/meminfo'));
      const get = (k: string) => mem.get(k) ?? 0;
      const total = get('MemTotal');
      // gopsutil's reading, which `free` agrees with: cached includes the reclaimable slab
      const cached = get('Cached') + get('SReclaimable');
      const used = total - get('MemFree') - get('Buffers') - cached;
      const states: Record<string, number> = {
        used,
        free: get('MemFree'),
        buffered: get('Buffers'),
        cached,
        slab_reclaimable: get('SReclaimable'),
        slab_unreclaimable: get('SUnreclaim'),
      };
      for (const [state, v] of Object.entries(states)) {
        b.add('system.memory.usage', v, { state });
        if (total > 0) b.add('system.memory.utilization', v / total, { state });
      }
      b.add('system.memory.limit', total);
      if (mem.has('MemAvailable')) b.add('system.linux.memory.available', get('MemAvailable'));
      return hostResult(b.build());
    },
  };
}

export function loadScraper(config: NonNullable<Scrapers['load']>): Scraper {
  return {
    name: 'load',
    async scrape({ fs, now, boot }: ScrapeContext) {
      const b = new MetricsBuilder(SCRAPER_METRICS.load, config.metrics, boot, now);
      const [l1, l5, l15] = (await fs.read('proc/loadavg')).trim().split(/\s+/).map(Number);
      // cpu_average: divided by the number of logical CPUs
      const cpus = config.cpu_average ? cpuTimes(await fs.read('proc/stat')).length || 1 : 1;
      b.add('system.cpu.load_average.1m', l1 / cpus);
      b.add('system.cpu.load_average.5m', l5 / cpus);
      b.add('system.cpu.load_average.15m', l15 / cpus);
      return hostResult(b.build());
    },
  };
}

export function pagingScraper(config: NonNullable<Scrapers['paging']>): Scraper {
  return {
    name: 'paging',
    async scrape({ fs, now, boot }: ScrapeContext) {
      const b = new MetricsBuilder(SCRAPER_METRICS.paging, config.metrics, boot, now);
      // Filename Type Size Used Priority, sizes in KiB
      const swaps = (await fs.read('proc/swaps'))
        .split('\n')
        .slice(1)
        .filter((l) => l.trim() !== '');
      for (const line of swaps) {
        const [device, , size, used] = line.trim().split(/\s+/);
        const total = Number(size) * 1024;
        const usedBytes = Number(used) * 1024;
        b.add('system.paging.usage', usedBytes, { device, state: 'used' });
        b.add('system.paging.usage', total - usedBytes, { device, state: 'free' });
        if (total > 0) {
          b.add('system.paging.utilization', usedBytes / total, { device, state: 'used' });
          b.add('system.paging.utilization', (total - usedBytes) / total, { device, state: 'free' });
        }
      }
      const vm = new Map<string, number>();
      for (const line of (await fs.read('proc/vmstat')).split('\n')) {
        const [k, v] = line.split(' ');
        if (v !== undefined) vm.set(k, Number(v));
      }
      const v = (k: string) => vm.get(k) ?? 0;
      // swap ins/outs are major operations, page ins/outs minor (contrib on Linux)
      b.add('system.paging.operations', v('pswpin'), { direction: 'page_in', type: 'major' });
      b.add('system.paging.operations', v('pswpout'), { direction: 'page_out', type: 'major' });
      b.add('system.paging.operations', v('pgpgin'), { direction: 'page_in', type: 'minor' });
      b.add('system.paging.operations', v('pgpgout'), { direction: 'page_out', type: 'minor' });
      b.add('system.paging.faults', v('pgmajfault'), { type: 'major' });
      b.add('system.paging.faults', v('pgfault') - v('pgmajfault'), { type: 'minor' });
      return hostResult(b.build());
    },
  };
}

// /proc/<pid>/stat's state letter as contrib's status names
const STATUS: Record<string, string> = {
  R: 'running',
  S: 'sleeping',
  D: 'blocked',
  Z: 'zombies',
  T: 'stopped',
  t: 'stopped',
  W: 'paging',
  I: 'idle',
  X: 'unknown',
  x: 'unknown',
};

export function processesScraper(config: NonNullable<Scrapers['processes']>): Scraper {
  return {
    name: 'processes',
    async scrape({ fs, now, boot }: ScrapeContext) {
      const b = new MetricsBuilder(SCRAPER_METRICS.processes, config.metrics, boot, now);
      const created = /^processes (\d+)$/m.exec(await fs.read('proc/stat'));
      if (created) b.add('system.processes.created', Number(created[1]));
      if (b.enabled('system.processes.count')) {
        const counts = new Map<string, number>();
        for (const pid of await fs.readdir('proc')) {
          if (!/^\d+$/.test(pid)) continue;
          let stat: string;
          try {
            stat = await fs.read(`proc/${pid}/stat`);
          } catch {
            continue; // exited since the listing
          }
          const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
          const status = STATUS[state] ?? 'unknown';
          counts.set(status, (counts.get(status) ?? 0) + 1);
        }
        for (const [status, n] of counts) b.add('system.processes.count', n, { status });
      }
      return hostResult(b.build());
    },
  };
}

export function systemScraper(config: NonNullable<Scrapers['system']>): Scraper {
  return {
    name: 'system',
    async scrape({ fs, now, boot }: ScrapeContext) {
      const b = new MetricsBuilder(SCRAPER_METRICS.system, config.metrics, boot, now);
      b.add('system.uptime', Number((await fs.read('proc/uptime')).split(' ')[0]));
      return hostResult(b.build());
    },
  };
}
