// contrib's system detector: the host's name (from the hostname_sources in order), id, arch,
// OS, addresses and CPU, read from the kernel and /etc as Go's providers read them.
import { promises as dns } from 'node:dns';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { KeyValue } from '@flowtel/pdata';
import type { SystemConfig } from '../config.ts';
import { AttrBuilder, type DetectContext, type Detector } from '../detector.ts';

/** Node's platform names as Go's GOOS, which os.type follows */
const OS_TYPE: Record<string, string> = { win32: 'windows', sunos: 'solaris' };
/** Node's arch names as semconv's host.arch (Go's GOARCH, mapped as contrib maps it) */
const HOST_ARCH: Record<string, string> = { x64: 'amd64', ia32: 'x86', arm: 'arm32' };

export function systemDetector(config: SystemConfig): Detector {
  const sources = config.hostname_sources.length ? config.hostname_sources : (['dns', 'os'] as const);
  const want = config.resource_attributes;
  return async (ctx: DetectContext): Promise<KeyValue[]> => {
    const errors: string[] = [];
    let hostname: string | undefined;
    for (const source of sources) {
      try {
        hostname = await HOSTNAME_SOURCES[source]();
        break;
      } catch (err) {
        errors.push(`${source}: ${(err as Error).message}`);
        ctx.logger.debug({ source, err: (err as Error).message }, 'hostname source failed');
      }
    }
    if (hostname === undefined) {
      throw new Error(`all hostname sources failed to get hostname (${errors.join('; ')})`);
    }
    const b = new AttrBuilder(want)
      .set('host.name', hostname)
      .set('os.type', OS_TYPE[process.platform] ?? process.platform)
      .set('host.arch', HOST_ARCH[process.arch] ?? process.arch);
    if (want.has('host.id')) {
      const id = await machineId();
      if (id) b.set('host.id', id);
      else ctx.logger.warn('failed to get host ID: neither /etc/machine-id nor /var/lib/dbus/machine-id is readable');
    }
    if (want.has('os.description')) b.set('os.description', await osDescription());
    if (want.has('host.ip') || want.has('host.mac')) {
      const { ips, macs } = interfaces();
      b.setSlice('host.ip', ips).setSlice('host.mac', macs);
    }
    if ([...want].some((k) => k.startsWith('host.cpu.'))) {
      const cpu = await firstCpu();
      b.set('host.cpu.vendor.id', cpu.vendor_id)
        .set('host.cpu.family', cpu['cpu family'])
        .set('host.cpu.model.id', cpu.model)
        .set('host.cpu.model.name', cpu['model name'])
        .set('host.cpu.stepping', cpu.stepping)
        .set('host.cpu.cache.l2.size', cpu['cache size'] ? parseInt(cpu['cache size'], 10) : undefined);
    }
    return b.attributes;
  };
}

const HOSTNAME_SOURCES: Record<SystemConfig['hostname_sources'][number], () => Promise<string>> = {
  os: async () => os.hostname(),
  dns: fqdn,
  cname: async () => cname(os.hostname()),
  lookup: reverseLookupHost,
};

/**
 * The fully qualified name, as contrib's FQDN source finds it: the hosts file's canonical name
 * for the host, else its CNAME, else a reverse lookup of its addresses.
 */
async function fqdn(): Promise<string> {
  const host = os.hostname();
  const fromHosts = await canonicalFromHostsFile(host);
  if (fromHosts) return fromHosts;
  try {
    return await cname(host);
  } catch {
    return reverseLookupHost();
  }
}

async function canonicalFromHostsFile(host: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile('/etc/hosts', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const names = line.replace(/#.*/, '').trim().split(/\s+/).slice(1);
    if (names.includes(host)) return names[0];
  }
  return undefined;
}

async function cname(host: string): Promise<string> {
  const [name] = await dns.resolveCname(host);
  if (!name) throw new Error(`no CNAME for ${host}`);
  return name.replace(/\.$/, '');
}

async function reverseLookupHost(): Promise<string> {
  const host = os.hostname();
  const addresses = await dns.lookup(host, { all: true });
  for (const { address } of addresses) {
    try {
      const [name] = await dns.reverse(address);
      if (name) return name.replace(/\.$/, '');
    } catch {
      // the next address may have a PTR record
    }
  }
  throw new Error(`no reverse DNS name for the addresses of ${host}`);
}

/** the machine id systemd and D-Bus keep, which OpenTelemetry's host.id means on Linux */
async function machineId(): Promise<string | undefined> {
  for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = (await readFile(path, 'utf8')).trim();
      if (id) return id;
    } catch {
      // the other file
    }
  }
  return undefined;
}

/** OpenTelemetry Go's os.description on Linux: "<os-release PRETTY_NAME> (<uname -snrvm>)". */
async function osDescription(): Promise<string> {
  const uname = [os.type(), os.hostname(), os.release(), os.version(), os.machine()].join(' ');
  let release = '';
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      const fields = Object.fromEntries(
        (await readFile(path, 'utf8'))
          .split('\n')
          .map((l) => /^([A-Z_]+)=(.*)$/.exec(l.trim()))
          .filter((m) => m !== null)
          .map((m) => [m[1], m[2].replace(/^(["'])(.*)\1$/, '$2')]),
      );
      release = fields.PRETTY_NAME ?? [fields.NAME, fields.VERSION].filter(Boolean).join(' ');
      break;
    } catch {
      // the other file
    }
  }
  return release ? `${release} (${uname})` : uname;
}

/** the addresses and hardware addresses of every interface but loopback */
function interfaces(): { ips: string[]; macs: string[] } {
  const ips: string[] = [];
  const macs = new Set<string>();
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.internal) continue;
      ips.push(a.address);
      if (a.mac !== '00:00:00:00:00:00') macs.add(a.mac.toUpperCase().replaceAll(':', '-'));
    }
  }
  return { ips, macs: [...macs] };
}

/** the first processor's fields in /proc/cpuinfo (gopsutil's cpu.Info source on Linux) */
async function firstCpu(): Promise<Record<string, string>> {
  const text = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (Object.keys(fields).length) break;
      continue;
    }
    const i = line.indexOf(':');
    if (i > 0) fields[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return fields;
}
