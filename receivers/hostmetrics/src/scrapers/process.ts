// One resource per process (/proc/<pid>): contrib's process.* resource attributes and
// metrics. A process whose name or executable cannot be read (kernel threads have no
// executable) is left out, and said so unless the mute_process_*_error switch is on; a
// process that exits during the scrape is left out silently.
import type { KeyValue } from '@flowtel/pdata';
import { attr } from '@flowtel/pdata';
import { MetricsBuilder } from '../builder.ts';
import type { Config } from '../config.ts';
import { CLOCK_TICKS, keyValues, secondsToNs } from '../hostfs.ts';
import { SCRAPER_METRICS } from '../metadata.ts';
import { includeExclude } from './devices.ts';
import type { ScrapeContext, Scraper, ScrapeResult } from './scraper.ts';

type ProcessConfig = NonNullable<NonNullable<Config['scrapers']>['process']>;

const isMissing = (err: unknown) => ['ENOENT', 'ESRCH'].includes((err as NodeJS.ErrnoException).code ?? '');
const bits = (hex: string | undefined) =>
  hex === undefined ? 0 : [...BigInt(`0x${hex}`).toString(2)].filter((c) => c === '1').length;

export function processScraper(config: ProcessConfig): Scraper {
  const keep = includeExclude(config.include, config.exclude, 'names');
  const mute = (which: boolean) => which || config.mute_process_all_errors;
  const resourceOn = (name: string) => config.resource_attributes[name]?.enabled !== false;
  let users: Map<number, string> | undefined;
  let previous = new Map<number, { at: bigint; cpu: number[] }>();

  return {
    name: 'process',
    async scrape({ fs, now, boot }: ScrapeContext): Promise<ScrapeResult> {
      const result: ScrapeResult = { resources: [], errors: [] };
      const bootSeconds = Number(boot / 1_000_000n) / 1000;
      const memTotal = keyValues(await fs.read('proc/meminfo')).get('MemTotal') ?? 0;
      const cpus = (await fs.read('proc/stat')).split('\n').filter((l) => /^cpu\d+ /.test(l)).length || 1;
      if (!users && !mute(config.mute_process_user_error)) users = await readUsers(fs.read.bind(fs));
      const seen = new Map<number, { at: bigint; cpu: number[] }>();
      for (const entry of await fs.readdir('proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const pid = Number(entry);
        let stat: string, status: Map<string, number>, statusText: string;
        try {
          stat = await fs.read(`proc/${pid}/stat`);
          statusText = await fs.read(`proc/${pid}/status`);
          status = keyValues(statusText);
        } catch (err) {
          if (!isMissing(err) && !mute(config.mute_process_name_error))
            result.errors.push(`error reading process name for pid ${pid}: ${(err as Error).message}`);
          continue;
        }
        const name = /^Name:\s*(.*)$/m.exec(statusText)?.[1] ?? '';
        if (!keep(name)) continue;
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const startSeconds = bootSeconds + Number(f[19]) / CLOCK_TICKS;
        if (config.scrape_process_delay > 0 && Date.now() / 1000 - startSeconds < config.scrape_process_delay / 1000)
          continue;
        let exe: string;
        try {
          exe = await fs.readlink(`proc/${pid}/exe`);
        } catch (err) {
          if (!isMissing(err) && !mute(config.mute_process_exe_error))
            result.errors.push(`error reading process executable for pid ${pid}: ${(err as Error).message}`);
          continue;
        }
        let args: string[] = [];
        try {
          args = (await fs.read(`proc/${pid}/cmdline`))
            .split('\0')
            .filter((a, i, all) => a !== '' || i < all.length - 1);
        } catch {
          // exited: its other readings are still worth reporting as they were
        }
        const start = secondsToNs(startSeconds);
        const b = new MetricsBuilder(SCRAPER_METRICS.process, config.metrics, start, now);
        const cpu = [Number(f[11]), Number(f[12]), Number(f[39] ?? 0)].map((t) => t / CLOCK_TICKS);
        b.add('process.cpu.time', cpu[0], { state: 'user' });
        b.add('process.cpu.time', cpu[1], { state: 'system' });
        b.add('process.cpu.time', cpu[2], { state: 'wait' });
        seen.set(pid, { at: now, cpu });
        const before = previous.get(pid);
        if (before && now > before.at) {
          const elapsed = Number(now - before.at) / 1e9;
          ['user', 'system', 'wait'].forEach((state, i) =>
            b.add('process.cpu.utilization', (cpu[i] - before.cpu[i]) / elapsed / cpus, { state }),
          );
        }
        const rss = status.get('VmRSS') ?? 0;
        b.add('process.memory.usage', rss);
        b.add('process.memory.virtual', status.get('VmSize') ?? 0);
        if (memTotal > 0) b.add('process.memory.utilization', rss / memTotal);
        b.add('process.threads', status.get('Threads') ?? Number(f[17]));
        b.add('process.paging.faults', Number(f[9]), { type: 'major' });
        b.add('process.paging.faults', Number(f[7]), { type: 'minor' });
        b.add('process.context_switches', status.get('voluntary_ctxt_switches') ?? 0, { type: 'voluntary' });
        b.add('process.context_switches', status.get('nonvoluntary_ctxt_switches') ?? 0, { type: 'involuntary' });
        const pending = /^SigPnd:\s*(\w+)$/m.exec(statusText)?.[1];
        const shared = /^ShdPnd:\s*(\w+)$/m.exec(statusText)?.[1];
        b.add('process.signals_pending', bits(pending) + bits(shared));
        if (b.enabled('process.open_file_descriptors')) {
          try {
            b.add('process.open_file_descriptors', (await fs.readdir(`proc/${pid}/fd`)).length);
          } catch (err) {
            if (!isMissing(err))
              result.errors.push(`error reading open file descriptors for pid ${pid}: ${(err as Error).message}`);
          }
        }
        if (b.enabled('process.disk.io') || b.enabled('process.disk.operations')) {
          try {
            const io = keyValues((await fs.read(`proc/${pid}/io`)).replace(/: /g, ':\t'));
            b.add('process.disk.io', io.get('read_bytes') ?? 0, { direction: 'read' });
            b.add('process.disk.io', io.get('write_bytes') ?? 0, { direction: 'write' });
            b.add('process.disk.operations', io.get('syscr') ?? 0, { direction: 'read' });
            b.add('process.disk.operations', io.get('syscw') ?? 0, { direction: 'write' });
          } catch (err) {
            if (!isMissing(err) && !mute(config.mute_process_io_error))
              result.errors.push(`error reading disk usage for pid ${pid}: ${(err as Error).message}`);
          }
        }
        const resource: KeyValue[] = [];
        const put = (key: string, value: string | number | undefined) => {
          if (value !== undefined && resourceOn(key)) resource.push(attr(key, value));
        };
        put('process.pid', pid);
        put('process.parent_pid', Number(f[1]));
        put('process.executable.name', name);
        put('process.executable.path', exe);
        if (args.length > 0) {
          put('process.command', args[0]);
          put('process.command_line', args.join(' '));
        }
        if (users) {
          const uid = Number(/^Uid:\s*(\d+)/m.exec(statusText)?.[1]);
          const owner = users.get(uid);
          if (owner !== undefined) put('process.owner', owner);
          else if (!mute(config.mute_process_user_error))
            result.errors.push(`error reading username for process pid ${pid}: no user ${uid}`);
        }
        result.resources.push({ resource, metrics: b.build() });
      }
      previous = seen;
      return result;
    },
  };
}

/** uid -> user name from the host's /etc/passwd. */
async function readUsers(read: (p: string) => Promise<string>): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  try {
    for (const line of (await read('etc/passwd')).split('\n')) {
      const [name, , uid] = line.split(':');
      if (uid !== undefined) out.set(Number(uid), name);
    }
  } catch {
    // no passwd: owners stay unknown and are reported per process
  }
  return out;
}
