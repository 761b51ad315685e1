// Scrapers of devices: disk (/proc/diskstats), filesystem (the mount table and statfs of each
// mount point) and network (/proc/net/dev, the TCP tables, conntrack), with contrib's
// include/exclude filters.
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { createFilterSet } from '@flowtel/filter';
import { MetricsBuilder } from '../builder.ts';
import type { Config } from '../config.ts';
import { SCRAPER_METRICS } from '../metadata.ts';
import { hostResult, type ScrapeContext, type Scraper } from './scraper.ts';

type Scrapers = NonNullable<Config['scrapers']>;
type Filter = { match_type: 'strict' | 'regexp' } & { [list: string]: string[] | string };

/** contrib's include/exclude pair: kept when included (or no include) and not excluded. */
export function includeExclude(
  include: Filter | undefined,
  exclude: Filter | undefined,
  list: string,
): (name: string) => boolean {
  const set = (f: Filter | undefined) =>
    f && (f[list] as string[]).length > 0
      ? createFilterSet(f[list] as string[], { match_type: f.match_type })
      : undefined;
  const inc = set(include);
  const exc = set(exclude);
  return (name) => (!inc || inc.matches(name)) && !exc?.matches(name);
}

const SECTOR = 512;

export function diskScraper(config: NonNullable<Scrapers['disk']>): Scraper {
  const keep = includeExclude(config.include, config.exclude, 'devices');
  return {
    name: 'disk',
    async scrape({ fs, now, boot }: ScrapeContext) {
      const b = new MetricsBuilder(SCRAPER_METRICS.disk, config.metrics, boot, now);
      for (const line of (await fs.read('proc/diskstats')).split('\n')) {
        const f = line.trim().split(/\s+/);
        if (f.length < 14) continue;
        const device = f[2];
        if (!keep(device)) continue;
        const n = (i: number) => Number(f[i]);
        const read = { device, direction: 'read' };
        const write = { device, direction: 'write' };
        b.add('system.disk.io', n(5) * SECTOR, read);
        b.add('system.disk.io', n(9) * SECTOR, write);
        b.add('system.disk.operations', n(3), read);
        b.add('system.disk.operations', n(7), write);
        b.add('system.disk.merged', n(4), read);
        b.add('system.disk.merged', n(8), write);
        b.add('system.disk.operation_time', n(6) / 1000, read);
        b.add('system.disk.operation_time', n(10) / 1000, write);
        b.add('system.disk.pending_operations', n(11), { device });
        b.add('system.disk.io_time', n(12) / 1000, { device });
        b.add('system.disk.weighted_io_time', n(13) / 1000, { device });
      }
      return hostResult(b.build());
    },
  };
}

interface Mount {
  device: string;
  mountpoint: string;
  type: string;
  mode: string;
}

/** /proc/<pid>/mountinfo: `id parent major:minor root mountpoint options ... - type source superoptions`. */
function parseMountinfo(text: string): Mount[] {
  const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(' ');
    const right = line.slice(dash + 3).split(' ');
    out.push({
      mountpoint: unescape(left[4]),
      mode: left[5].split(',')[0],
      type: right[0],
      device: unescape(right[1]),
    });
  }
  return out;
}

export function filesystemScraper(config: NonNullable<Scrapers['filesystem']>): Scraper {
  const device = includeExclude(config.include_devices, config.exclude_devices, 'devices');
  const fsType = includeExclude(config.include_fs_types, config.exclude_fs_types, 'fs_types');
  const mountPoint = includeExclude(config.include_mount_points, config.exclude_mount_points, 'mount_points');
  return {
    name: 'filesystem',
    async scrape({ fs, now, boot }: ScrapeContext) {
      const b = new MetricsBuilder(SCRAPER_METRICS.filesystem, config.metrics, boot, now);
      const errors: string[] = [];
      // the host's mount table is init's; ours is the fallback (gopsutil does the same)
      let table: string;
      try {
        table = await fs.read('proc/1/mountinfo');
      } catch {
        table = await fs.read('proc/self/mountinfo');
      }
      // physical filesystems are the ones /proc/filesystems does not mark nodev
      const virtual = new Set(
        (await fs.read('proc/filesystems'))
          .split('\n')
          .filter((l) => l.startsWith('nodev'))
          .map((l) => l.split('\t')[1]),
      );
      const seen = new Set<string>();
      for (const m of parseMountinfo(table)) {
        if (!config.include_virtual_filesystems && (virtual.has(m.type) || m.device === 'none')) continue;
        if (!device(m.device) || !fsType(m.type) || !mountPoint(m.mountpoint)) continue;
        const key = `${m.device}\u0000${m.mountpoint}`;
        if (seen.has(key)) continue;
        seen.add(key);
        let s;
        try {
          s = await statfs(join(fs.root, m.mountpoint), { bigint: true });
        } catch (err) {
          errors.push(`${m.mountpoint}: ${(err as Error).message}`);
          continue;
        }
        const attrs = { device: m.device, mode: m.mode, mountpoint: m.mountpoint, type: m.type };
        // gopsutil's Usage: used = (blocks - bfree) * size, free = bavail * size, reserved the rest
        const total = s.blocks * s.bsize;
        const used = (s.blocks - s.bfree) * s.bsize;
        const free = s.bavail * s.bsize;
        b.add('system.filesystem.usage', used, { ...attrs, state: 'used' });
        b.add('system.filesystem.usage', free, { ...attrs, state: 'free' });
        b.add('system.filesystem.usage', total - used - free, { ...attrs, state: 'reserved' });
        b.add('system.filesystem.inodes.usage', s.files - s.ffree, { ...attrs, state: 'used' });
        b.add('system.filesystem.inodes.usage', s.ffree, { ...attrs, state: 'free' });
        if (total > 0n) b.add('system.filesystem.utilization', Number(used) / Number(used + free), attrs);
      }
      return hostResult(b.build(), errors);
    },
  };
}

// /proc/net/tcp's state codes as contrib's Linux state names
const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT_1',
  '05': 'FIN_WAIT_2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};
const ALL_TCP_STATES = [
  'CLOSE_WAIT',
  'CLOSE',
  'CLOSING',
  'DELETE',
  'ESTABLISHED',
  'FIN_WAIT_1',
  'FIN_WAIT_2',
  'LAST_ACK',
  'LISTEN',
  'SYN_SENT',
  'SYN_RECV',
  'TIME_WAIT',
];

export function networkScraper(config: NonNullable<Scrapers['network']>): Scraper {
  const keep = includeExclude(config.include, config.exclude, 'interfaces');
  return {
    name: 'network',
    async scrape({ fs, now, boot }: ScrapeContext) {
      const b = new MetricsBuilder(SCRAPER_METRICS.network, config.metrics, boot, now);
      const errors: string[] = [];
      for (const line of (await fs.read('proc/net/dev')).split('\n').slice(2)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const device = line.slice(0, colon).trim();
        if (!keep(device)) continue;
        const f = line
          .slice(colon + 1)
          .trim()
          .split(/\s+/)
          .map(Number);
        const rx = { device, direction: 'receive' };
        const tx = { device, direction: 'transmit' };
        b.add('system.network.io', f[0], rx);
        b.add('system.network.packets', f[1], rx);
        b.add('system.network.errors', f[2], rx);
        b.add('system.network.dropped', f[3], rx);
        b.add('system.network.io', f[8], tx);
        b.add('system.network.packets', f[9], tx);
        b.add('system.network.errors', f[10], tx);
        b.add('system.network.dropped', f[11], tx);
      }
      if (b.enabled('system.network.connections')) {
        const counts = new Map(ALL_TCP_STATES.map((s) => [s, 0]));
        for (const table of ['proc/net/tcp', 'proc/net/tcp6']) {
          let text: string;
          try {
            text = await fs.read(table);
          } catch {
            continue; // no IPv6
          }
          for (const line of text.split('\n').slice(1)) {
            const state = TCP_STATES[line.trim().split(/\s+/)[3] ?? ''];
            if (state) counts.set(state, (counts.get(state) ?? 0) + 1);
          }
        }
        for (const [state, n] of counts) b.add('system.network.connections', n, { protocol: 'tcp', state });
      }
      if (b.enabled('system.network.conntrack.count') || b.enabled('system.network.conntrack.max')) {
        try {
          b.add('system.network.conntrack.count', Number(await fs.read('proc/sys/net/netfilter/nf_conntrack_count')));
          b.add('system.network.conntrack.max', Number(await fs.read('proc/sys/net/netfilter/nf_conntrack_max')));
        } catch (err) {
          errors.push(`conntrack: ${(err as Error).message}`);
        }
      }
      return hostResult(b.build(), errors);
    },
  };
}
