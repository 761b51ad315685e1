// Each scraper against the kernel's own figures as other tools report them (`free`, `df`,
// `ip -s link`, `ps`, /proc and /sys read by the test), within what can change between the
// two readings; the per-metric switches, the filters, root_path, and refusals.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Metric, Metrics, NumberDataPoint } from '@flowtel/pdata';
import { testSettings } from '@flowtel/testkit';
import { configSchema, HostMetricsReceiver } from '../src/index.ts';

const MiB = 1024 * 1024;

async function scrape(scrapers: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const r = new HostMetricsReceiver(
    testSettings('hostmetrics', 'receiver'),
    configSchema.parse({ scrapers, ...extra }),
    {},
  );
  return { receiver: r, ...(await r.scrape()) };
}

const metricsNamed = (m: Metrics, name: string): Metric[] =>
  m.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.filter((x) => x.name === name)));
const pointsOf = (m: Metrics, name: string): NumberDataPoint[] =>
  metricsNamed(m, name).flatMap((x) => (x.sum ?? x.gauge)!.dataPoints);
const attrOf = (p: NumberDataPoint, key: string) =>
  (p.attributes.find((a) => a.key === key)?.value as { stringValue?: string } | undefined)?.stringValue;
const valueOf = (p: NumberDataPoint) => (p.asInt !== undefined ? Number(p.asInt) : p.asDouble!);
const point = (m: Metrics, name: string, attrs: Record<string, string>) => {
  const p = pointsOf(m, name).find((x) => Object.entries(attrs).every(([k, v]) => attrOf(x, k) === v));
  assert.ok(p, `${name} ${JSON.stringify(attrs)}`);
  return valueOf(p);
};
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });

describe('against the kernel', () => {
  test('memory: used, free, buff/cache as `free -b` reports them', async () => {
    // Mem: total used free shared buff/cache available
    const free = () =>
      run('free', ['-b'])
        .split('\n')
        .find((l) => l.startsWith('Mem:'))!
        .split(/\s+/)
        .slice(1)
        .map(Number);
    const before = free();
    const { metrics } = await scrape({ memory: { metrics: { 'system.memory.limit': { enabled: true } } } });
    const after = free();
    // between the two readings of `free`, give or take what others on the machine change meanwhile
    const near = (ours: number, of: (mem: number[]) => number, what: string) => {
      const [lo, hi] = [of(before), of(after)].sort((a, b) => a - b);
      assert.ok(ours >= lo - 64 * MiB && ours <= hi + 64 * MiB, `${what}: ours ${ours}, free's ${lo}..${hi}`);
    };
    assert.equal(point(metrics, 'system.memory.limit', {}), before[0]);
    // contrib's used (gopsutil's) is total - free - buff/cache; procps 4 prints total - available instead
    near(point(metrics, 'system.memory.usage', { state: 'used' }), (m) => m[0] - m[2] - m[4], 'used');
    near(point(metrics, 'system.memory.usage', { state: 'free' }), (m) => m[2], 'free');
    near(
      point(metrics, 'system.memory.usage', { state: 'buffered' }) +
        point(metrics, 'system.memory.usage', { state: 'cached' }),
      (m) => m[4],
      'buff/cache',
    );
    const m = metricsNamed(metrics, 'system.memory.usage')[0];
    assert.equal(m.unit, 'By');
    assert.equal(m.sum!.isMonotonic, false);
  });

  test('filesystem: / as `df -B1` reports it', async () => {
    const { metrics } = await scrape({ filesystem: null });
    const [source, , size, used, avail] = run('df', ['-B1', '--output=source,fstype,size,used,avail', '/'])
      .split('\n')[1]
      .trim()
      .split(/\s+/);
    const attrs = { mountpoint: '/', device: source };
    const near = (a: number, b: number, what: string) =>
      assert.ok(Math.abs(a - b) <= Math.max(64 * MiB, b * 0.01), `${what}: ours ${a}, df's ${b}`);
    near(point(metrics, 'system.filesystem.usage', { ...attrs, state: 'used' }), Number(used), 'used');
    near(point(metrics, 'system.filesystem.usage', { ...attrs, state: 'free' }), Number(avail), 'free');
    const total = ['used', 'free', 'reserved'].reduce(
      (a, state) => a + point(metrics, 'system.filesystem.usage', { ...attrs, state }),
      0,
    );
    assert.equal(total, Number(size), 'used + free + reserved is the size');
    // virtual filesystems (proc, sysfs, tmpfs...) only with include_virtual_filesystems
    assert.ok(!pointsOf(metrics, 'system.filesystem.usage').some((p) => attrOf(p, 'type') === 'proc'));
    const all = await scrape({ filesystem: { include_virtual_filesystems: true } });
    assert.ok(pointsOf(all.metrics, 'system.filesystem.usage').some((p) => attrOf(p, 'type') === 'proc'));
    const excluded = await scrape({
      filesystem: { exclude_mount_points: { mount_points: ['/'], match_type: 'strict' } },
    });
    assert.ok(!pointsOf(excluded.metrics, 'system.filesystem.usage').some((p) => attrOf(p, 'mountpoint') === '/'));
  });

  test('network: bytes and packets of lo between two `ip -s link` readings; include filter', async () => {
    const lo = () => {
      const [link] = JSON.parse(run('ip', ['-s', '-j', 'link', 'show', 'lo'])) as Array<{
        stats64: { rx: { bytes: number; packets: number }; tx: { bytes: number } };
      }>;
      return link.stats64;
    };
    const before = lo();
    const { metrics } = await scrape({ network: { include: { interfaces: ['lo'], match_type: 'strict' } } });
    const after = lo();
    const rx = point(metrics, 'system.network.io', { device: 'lo', direction: 'receive' });
    assert.ok(rx >= before.rx.bytes && rx <= after.rx.bytes, `${before.rx.bytes} <= ${rx} <= ${after.rx.bytes}`);
    const packets = point(metrics, 'system.network.packets', { device: 'lo', direction: 'receive' });
    assert.ok(packets >= before.rx.packets && packets <= after.rx.packets);
    assert.deepEqual([...new Set(pointsOf(metrics, 'system.network.io').map((p) => attrOf(p, 'device')))], ['lo']);
    // every TCP state contrib lists, LISTEN among them (this test's machine listens somewhere)
    const states = pointsOf(metrics, 'system.network.connections').map((p) => attrOf(p, 'state'));
    assert.equal(states.length, 12);
    assert.ok(point(metrics, 'system.network.connections', { protocol: 'tcp', state: 'LISTEN' }) > 0);
  });

  test('cpu: one system.cpu.time per online CPU and state; utilization on the second scrape', async () => {
    const cpus = Number(run('getconf', ['_NPROCESSORS_ONLN']).trim());
    const config = {
      cpu: {
        metrics: {
          'system.cpu.utilization': { enabled: true },
          'system.cpu.logical.count': { enabled: true },
        },
      },
    };
    const r = new HostMetricsReceiver(
      testSettings('hostmetrics', 'receiver'),
      configSchema.parse({ scrapers: config }),
      {},
    );
    const first = await r.scrape();
    assert.equal(pointsOf(first.metrics, 'system.cpu.time').length, cpus * 8);
    assert.equal(point(first.metrics, 'system.cpu.logical.count', {}), cpus);
    assert.equal(pointsOf(first.metrics, 'system.cpu.utilization').length, 0);
    const idleBefore = point(first.metrics, 'system.cpu.time', { cpu: 'cpu0', state: 'idle' });
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    assert.ok(idleBefore > 0 && idleBefore <= uptime, 'idle seconds of one CPU are at most the uptime');
    const deadline = Date.now() + 200;
    while (Date.now() < deadline); // some CPU time to measure
    const second = await r.scrape();
    const shares = pointsOf(second.metrics, 'system.cpu.utilization').filter((p) => attrOf(p, 'cpu') === 'cpu0');
    if (shares.length > 0) {
      const total = shares.reduce((a, p) => a + valueOf(p), 0);
      assert.ok(Math.abs(total - 1) < 1e-9, `the states of one CPU add up to 1 (${total})`);
    }
    // sums start at boot
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);
    assert.equal(pointsOf(second.metrics, 'system.cpu.time')[0].startTimeUnixNano, BigInt(btime) * 1_000_000_000n);
  });

  test('load, uptime, paging faults, processes, disks between two readings of the kernel', async () => {
    const read = (p: string) => readFileSync(p, 'utf8');
    const vm = (text: string, k: string) => Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(text)![1]);
    const uptimeBefore = Number(read('/proc/uptime').split(' ')[0]);
    const loadBefore = read('/proc/loadavg').split(' ').slice(0, 3).map(Number);
    const vmBefore = read('/proc/vmstat');
    const psBefore = run('ps', ['-e', '--no-headers']).trim().split('\n').length;
    const { metrics } = await scrape({ load: null, system: null, paging: null, processes: null, disk: null });
    const uptimeAfter = Number(read('/proc/uptime').split(' ')[0]);
    const loadAfter = read('/proc/loadavg').split(' ').slice(0, 3).map(Number);
    const vmAfter = read('/proc/vmstat');
    const uptime = point(metrics, 'system.uptime', {});
    assert.ok(uptime >= uptimeBefore && uptime <= uptimeAfter);
    const load1 = point(metrics, 'system.cpu.load_average.1m', {});
    assert.ok([loadBefore[0], loadAfter[0]].includes(load1), `${load1} is one of ${loadBefore[0]}, ${loadAfter[0]}`);
    const major = point(metrics, 'system.paging.faults', { type: 'major' });
    assert.ok(major >= vm(vmBefore, 'pgmajfault') && major <= vm(vmAfter, 'pgmajfault'));
    const counted = pointsOf(metrics, 'system.processes.count').reduce((a, p) => a + valueOf(p), 0);
    // processes come and go on a shared machine: within a fifth (or 30) of what ps listed just before
    assert.ok(
      Math.abs(counted - psBefore) <= Math.max(30, psBefore / 5),
      `processes: ours ${counted}, ps's ${psBefore}`,
    );
    // a block device's sectors read, as /sys/block/<dev>/stat has them
    const dev = pointsOf(metrics, 'system.disk.io')
      .map((p) => attrOf(p, 'device')!)
      .find((d) => /^(vd|sd|nvme)/.test(d) && !/\d$/.test(d));
    if (dev) {
      const sectors = Number(read(`/sys/block/${dev}/stat`).trim().split(/\s+/)[2]);
      const ours = point(metrics, 'system.disk.io', { device: dev, direction: 'read' });
      assert.ok(Math.abs(ours - sectors * 512) < 64 * MiB, `${dev}: ours ${ours}, /sys ${sectors * 512}`);
    }
  });

  test('process: this test process, as the kernel and node see it', async () => {
    const { metrics } = await scrape({
      process: {
        include: { names: ['node'], match_type: 'strict' },
        metrics: { 'process.threads': { enabled: true }, 'process.open_file_descriptors': { enabled: true } },
      },
    });
    const mine = metrics.resourceMetrics.find((rm) =>
      rm.resource.attributes.some(
        (a) => a.key === 'process.pid' && (a.value as { intValue?: bigint }).intValue === BigInt(process.pid),
      ),
    );
    assert.ok(mine, 'our own process is there');
    const attrs = Object.fromEntries(mine.resource.attributes.map((a) => [a.key, String(Object.values(a.value)[0])]));
    assert.equal(attrs['process.executable.name'], 'node');
    assert.equal(attrs['process.executable.path'], process.execPath);
    assert.equal(attrs['process.parent_pid'], String(process.ppid));
    assert.equal(
      attrs['process.command_line'],
      readFileSync('/proc/self/cmdline', 'utf8').split('\0').filter(Boolean).join(' '),
    );
    assert.equal(attrs['process.owner'], run('id', ['-un']).trim());
    const one = (name: string) => {
      const m = mine.scopeMetrics[0].metrics.find((x) => x.name === name)!;
      return (m.sum ?? m.gauge)!.dataPoints;
    };
    const rss = valueOf(one('process.memory.usage')[0]);
    const nodeRss = process.memoryUsage().rss;
    assert.ok(Math.abs(rss - nodeRss) < 64 * MiB, `rss: ours ${rss}, node's ${nodeRss}`);
    const fds = valueOf(one('process.open_file_descriptors')[0]);
    assert.ok(fds > 2, 'stdin, stdout, stderr at least');
    assert.ok(valueOf(one('process.threads')[0]) >= 1);
    const user = one('process.cpu.time').find((p) => attrOf(p, 'state') === 'user')!;
    assert.ok(valueOf(user) <= process.cpuUsage().user / 1e6 + 0.5);
    // only node processes were included
    for (const rm of metrics.resourceMetrics) {
      const name = rm.resource.attributes.find((a) => a.key === 'process.executable.name')!.value;
      assert.deepEqual(name, { stringValue: 'node' });
    }
  });
});

describe('config', () => {
  test("root_path: the files under it are read, not the host's", async () => {
    const root = mkdtempSync(join(tmpdir(), 'hostfs-'));
    mkdirSync(join(root, 'proc'));
    writeFileSync(
      join(root, 'proc/stat'),
      'cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 100 200 300 400 500 600 700 800 0 0\nbtime 1700000000\nprocesses 42\n',
    );
    writeFileSync(join(root, 'proc/loadavg'), '1.50 2.25 3.00 1/100 12345\n');
    writeFileSync(join(root, 'proc/uptime'), '4242.42 1000.00\n');
    const { metrics, errors } = await scrape({ load: null, system: null, cpu: null }, { root_path: root });
    assert.deepEqual(errors, []);
    assert.equal(point(metrics, 'system.cpu.load_average.5m', {}), 2.25);
    assert.equal(point(metrics, 'system.uptime', {}), 4242.42);
    // USER_HZ ticks to seconds; columns in /proc/stat's order
    assert.equal(point(metrics, 'system.cpu.time', { cpu: 'cpu0', state: 'user' }), 1);
    assert.equal(point(metrics, 'system.cpu.time', { cpu: 'cpu0', state: 'wait' }), 5);
    assert.equal(point(metrics, 'system.cpu.time', { cpu: 'cpu0', state: 'steal' }), 8);
    assert.equal(pointsOf(metrics, 'system.cpu.time')[0].startTimeUnixNano, 1_700_000_000n * 1_000_000_000n);
  });

  test('per-metric switches: metadata.yaml defaults, overridable', async () => {
    const { metrics } = await scrape({
      load: { metrics: { 'system.cpu.load_average.1m': { enabled: false } } },
      memory: { metrics: { 'system.memory.utilization': { enabled: true } } },
    });
    assert.equal(metricsNamed(metrics, 'system.cpu.load_average.1m').length, 0);
    assert.equal(metricsNamed(metrics, 'system.cpu.load_average.5m').length, 1);
    const util = pointsOf(metrics, 'system.memory.utilization');
    assert.ok(util.length > 0 && util.every((p) => valueOf(p) >= 0 && valueOf(p) <= 1));
  });

  test('refusals: no scraper, unknown metric, scrapers not built yet', () => {
    const issues = (input: unknown) => {
      const r = configSchema.safeParse(input);
      assert.equal(r.success, false, JSON.stringify(input));
      return JSON.stringify(r.error!.issues);
    };
    assert.match(issues({}), /must specify at least one scraper/);
    assert.match(
      issues({ scrapers: { cpu: { metrics: { 'system.cpu.nope': { enabled: true } } } } }),
      /system\.cpu\.nope/,
    );
    assert.match(issues({ scrapers: { nfs: {} } }), /the nfs scraper is not yet in flowtel/);
    assert.match(issues({ scrapers: { network: { include: { interfaces: ['lo'] } } } }), /match_type/);
    const c = configSchema.parse({ scrapers: { cpu: null } });
    assert.equal(c.collection_interval, 60_000);
    assert.equal(c.initial_delay, 1000);
  });
});
