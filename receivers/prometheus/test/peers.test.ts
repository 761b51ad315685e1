// Real targets: Debian's prometheus-node-exporter, and Prometheus's own /metrics, scraped by
// flowtel and by a Prometheus beside it. Their values move between the two scrapes, so the
// comparison is the series (names and labels) plus the values that hold still.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { freePort, hasCommand, Prometheus, prometheusBinary, waitFor, waitForPort } from '@flowtel/testkit';
import { stringify } from 'yaml';
import { lastScrapes, type Received, samplesOf, seriesKey, startReceiver } from './support.ts';

const missing = !prometheusBinary()
  ? 'prometheus is not installed'
  : !hasCommand('prometheus-node-exporter')
    ? 'prometheus-node-exporter is not installed'
    : false;

let exporter: ChildProcess | undefined;
let exporterPort = 0;
let prom: Prometheus | undefined;
let flowtel: Received | undefined;

before(async () => {
  if (missing) return;
  exporterPort = await freePort();
  // collectors whose series hold still between two scrapes (their values may move)
  exporter = spawn(
    'prometheus-node-exporter',
    [
      `--web.listen-address=127.0.0.1:${exporterPort}`,
      '--collector.disable-defaults',
      '--collector.cpu',
      '--collector.meminfo',
      '--collector.loadavg',
      '--collector.uname',
      '--collector.stat',
      '--collector.filesystem',
    ],
    { stdio: 'ignore' },
  );
  await waitForPort(exporterPort);
  const promPort = await freePort();
  const jobs = [
    { job_name: 'node', targets: [`127.0.0.1:${exporterPort}`] },
    { job_name: 'prometheus', targets: [`127.0.0.1:${promPort}`] },
  ].map(({ job_name, targets }) => ({
    job_name,
    scrape_interval: '2s',
    scrape_timeout: '2s',
    static_configs: [{ targets }],
  }));
  prom = await Prometheus.start({ scrapeConfigs: stringify(jobs).replace(/^/gm, '  '), port: promPort });
  flowtel = await startReceiver({ config: { scrape_configs: jobs } });
});

after(async () => {
  await flowtel?.stop();
  await prom?.stop();
  exporter?.kill('SIGTERM');
});

const stableName = (name: string) => !/^(scrape_duration_seconds|scrape_series_added)$/.test(name);

test(
  'node_exporter: the series Prometheus stores are the series flowtel emits; still values equal',
  { skip: missing },
  async () => {
    const p = prom!;
    const f = flowtel!;
    await waitFor(
      'both to scrape node_exporter twice',
      async () => {
        const count = await p.query('count_over_time(up{job="node"}[1m])', Date.now() / 1000);
        return (
          Number(count[0]?.value?.[1] ?? 0) >= 2 && f.batches.filter((b) => lastScrapes([b], 'node').length).length >= 2
        );
      },
      60_000,
    );
    const stored = await p.query('{job="node"}', Date.now() / 1000);
    const ours = samplesOf(lastScrapes(f.batches, 'node'));
    const theirs = new Map(
      stored
        .filter((r) => stableName(r.metric.__name__))
        .map((r) => [seriesKey(r.metric.__name__, r.metric), Number(r.value![1])]),
    );
    const mine = [...ours.keys()].filter((k) => stableName(k.slice(0, k.indexOf('{'))));
    assert.deepEqual(
      mine.filter((k) => !theirs.has(k)),
      [],
      'series flowtel has and Prometheus does not',
    );
    assert.deepEqual(
      [...theirs.keys()].filter((k) => !ours.has(k)),
      [],
      'series Prometheus has and flowtel does not',
    );
    assert.ok(theirs.size > 50, `${theirs.size} series`);
    const still = [...theirs.keys()].filter((k) =>
      /^(node_uname_info|node_memory_MemTotal_bytes|node_filesystem_size_bytes|node_boot_time_seconds|up|scrape_samples_scraped)\{/.test(
        k,
      ),
    );
    assert.ok(still.length >= 4, still.join(' '));
    for (const k of still) assert.equal(ours.get(k)!.value, theirs.get(k), k);
    // node_cpu_seconds_total is a counter: a monotonic cumulative sum with a start time
    const cpu = lastScrapes(f.batches, 'node')[0].resourceMetrics[0].scopeMetrics[0].metrics.find(
      (m) => m.name === 'node_cpu_seconds_total',
    )!;
    assert.equal(cpu.sum?.isMonotonic, true);
    assert.ok(cpu.sum!.dataPoints.every((d) => d.startTimeUnixNano > 0n && d.startTimeUnixNano < d.timeUnixNano));
    assert.equal(cpu.description, 'Seconds the CPUs spent in each mode.');
  },
);

test(
  "Prometheus's own /metrics: every family Prometheus stores, flowtel emits; build info equal",
  { skip: missing },
  async () => {
    const p = prom!;
    const f = flowtel!;
    await waitFor(
      'both to scrape Prometheus',
      async () => {
        const up = await p.query('up{job="prometheus"}', Date.now() / 1000);
        return up[0]?.value?.[1] === '1' && lastScrapes(f.batches, 'prometheus').length > 0;
      },
      60_000,
    );
    const stored = await p.query('{job="prometheus"}', Date.now() / 1000);
    // Prometheus adds families as it runs (a histogram after its first observations): compare
    // with a flowtel scrape that came after the scrape Prometheus stored
    const storedAt = Number((await p.query('timestamp(up{job="prometheus"})', Date.now() / 1000))[0].value![1]) * 1000;
    const later = await waitFor('a flowtel scrape of Prometheus after that', async () =>
      f.batches.find((b) => {
        const s = samplesOf(lastScrapes([b], 'prometheus'));
        const up = [...s.entries()].find(([k]) => k.startsWith('up{'));
        return up !== undefined && up[1].timeMs > storedAt;
      }),
    );
    const ours = samplesOf([later]);
    const ourNames = new Set([...ours.keys()].map((k) => k.slice(0, k.indexOf('{'))));
    const names = new Set(stored.map((r) => r.metric.__name__));
    assert.deepEqual(
      [...names].filter((n) => !ourNames.has(n)),
      [],
      'families Prometheus stores and flowtel does not emit',
    );
    const build = stored.find((r) => r.metric.__name__ === 'prometheus_build_info')!;
    assert.equal(ours.get(seriesKey('prometheus_build_info', build.metric))?.value, 1);
    assert.ok(names.size > 100, `${names.size} families`);
  },
);
