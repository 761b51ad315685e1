// Profiles in the embedded store: a row per sample in otel_profiles with its stack resolved to
// frame names, and `flowtel query --flamegraph` over them as folded stacks, an SVG flame graph
// and a pprof file that `go tool pprof` reads, each checked against the known input.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ack, type Batch } from '@flowtel/core';
import { ProfilesBuilder, profileSampleCount, type Profiles } from '@flowtel/pdata';
import { connect, runFlamegraph, type ClickHouseClient, type ClickHouseStore } from '@flowtel/clickhouse';
import { hasCommand, runCli, testSettings } from '@flowtel/testkit';
import { rowsOf, tempDir } from '../../../packages/clickhouse/test/fixtures.ts';
import { createStore } from '../src/clickhouse.ts';
import { configSchema } from '../src/config.ts';

const noGo = !hasCommand('go') && process.env.CI !== 'true' ? 'go (Debian golang-go) is not installed' : false;
const TRACE = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const SPAN = Uint8Array.from({ length: 8 }, (_, i) => 0xa0 + i);
const T = 1_800_000_000_000_000_000n;

/**
 * A CPU profile of `burn` (main → work → hot: 30 samples in three samples of 10, main → work →
 * cold: 10, main → idle: 60, one of its samples linked to a span) and an off-CPU profile of the
 * same process (main → wait: 5 ms), leaf first as OTLP orders stacks.
 */
function profiles(): Profiles {
  const b = new ProfilesBuilder();
  const at = (name: string) => b.location({ lines: [{ function: b.function({ name }) }] });
  const [main, work, hot, cold, idle, wait] = ['main', 'work', 'hot', 'cold', 'idle', 'wait'].map(at);
  const resource = [{ key: 'service.name', value: { stringValue: 'burn' } }];
  const cpu = b.profile({
    resource,
    sampleType: { type: 'samples', unit: 'count' },
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    period: 52_631_578n,
    timeUnixNano: T,
  });
  for (let i = 0; i < 3; i++) cpu.addSample({ stack: [hot, work, main], values: [10n] });
  cpu.addSample({ stack: [cold, work, main], values: [10n], attributes: [b.attribute('thread.name', 'worker')] });
  cpu.addSample({ stack: [idle, main], values: [50n] });
  cpu.addSample({ stack: [idle, main], values: [10n], link: b.link(TRACE, SPAN), timestampsUnixNano: [T + 7n] });
  b.profile({ resource, sampleType: { type: 'off_cpu', unit: 'nanoseconds' }, timeUnixNano: T }).addSample({
    stack: [wait, main],
    values: [5_000_000n],
  });
  return b.build();
}

function goPprof(dir: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'go',
      ['tool', 'pprof', ...args],
      { env: { ...process.env, PPROF_TMPDIR: dir, HOME: dir }, timeout: 120_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
}

describe('profiles in the embedded store', () => {
  const dir = tempDir({ after });
  const cfg = configSchema.parse({ endpoint: 'chdb://./store' });
  let store: ClickHouseStore;
  let client: ClickHouseClient;

  before(async () => {
    store = createStore(testSettings('clickhouse', 'exporter', dir), cfg, ['profiles']);
    await store.open();
    const data = profiles();
    await store.write({ signal: 'profiles', data, items: profileSampleCount(data), ack: Ack.none() } as Batch);
    client = await connect(cfg, dir);
  });
  after(async () => {
    await client?.close();
    await store?.close();
  });

  test('a row per sample: frames leaf first, its weight, its type, its span link and attributes', async () => {
    const rows = await rowsOf(
      client,
      `SELECT Stack, Value, SampleType, SampleUnit, PeriodType, Period, ServiceName, TraceId, SpanId, SampleAttributes, Timestamp
       FROM otel.otel_profiles ORDER BY SampleType, Value, TraceId, Stack`,
    );
    assert.equal(rows.length, 7);
    const cpu = rows.filter((r) => r.SampleType === 'samples');
    assert.deepEqual(
      cpu.map((r) => [(r.Stack as string[]).join(';'), Number(r.Value)]),
      [
        ['cold;work;main', 10],
        ['hot;work;main', 10],
        ['hot;work;main', 10],
        ['hot;work;main', 10],
        ['idle;main', 10],
        ['idle;main', 50],
      ],
    );
    const linked = cpu.find((r) => r.TraceId !== '')!;
    assert.equal(linked.TraceId, Buffer.from(TRACE).toString('hex'));
    assert.equal(linked.SpanId, Buffer.from(SPAN).toString('hex'));
    assert.equal(linked.Timestamp, '2027-01-15 08:00:00.000000007', "the sample's own timestamp");
    assert.deepEqual(cpu.find((r) => (r.Stack as string[])[0] === 'cold')!.SampleAttributes, {
      'thread.name': 'worker',
    });
    assert.deepEqual(
      [cpu[0].SampleUnit, cpu[0].PeriodType, Number(cpu[0].Period), cpu[0].ServiceName],
      ['count', 'cpu', 52631578, 'burn'],
    );
    assert.equal(Number(rows.find((r) => r.SampleType === 'off_cpu')!.Value), 5000000);
  });

  test('--flamegraph --format folded: the stacks root first, summed', async () => {
    const folded = await runFlamegraph(cfg, "SampleType = 'samples'", 'folded', { configDir: dir });
    assert.equal(folded, 'main;idle 60\nmain;work;cold 10\nmain;work;hot 30\n');
    assert.equal(
      await runFlamegraph(cfg, "SampleType = 'off_cpu' AND ServiceName = 'burn'", 'folded', { configDir: dir }),
      'main;wait 5000000\n',
    );
    await assert.rejects(
      runFlamegraph(cfg, undefined, 'folded', { configDir: dir }),
      /2 types \(off_cpu\/nanoseconds, samples\/count\): add SampleType = '<type>' to the filter/,
    );
    await assert.rejects(
      runFlamegraph(cfg, "ServiceName = 'nobody'", 'folded', { configDir: dir }),
      /no profile samples match/,
    );
  });

  test('--flamegraph: an SVG whose frames are as wide as their share', async () => {
    const svg = (await runFlamegraph(cfg, "SampleType = 'samples'", 'svg', { configDir: dir })) as string;
    assert.match(svg, /^<\?xml/);
    const frame = (name: string) => {
      const m = new RegExp(
        `<title>${name} \\((\\d+) count, ([\\d.]+)%\\)</title><rect x="([\\d.]+)" y="(\\d+)" width="([\\d.]+)"`,
      ).exec(svg);
      assert.ok(m, `a frame ${name}`);
      return { weight: Number(m[1]), share: m[2], x: Number(m[3]), y: Number(m[4]), width: Number(m[5]) };
    };
    const [all, main, work, hot, cold, idle] = ['all', 'main', 'work', 'hot', 'cold', 'idle'].map(frame);
    assert.deepEqual(
      [all.weight, main.weight, work.weight, hot.weight, cold.weight, idle.weight],
      [100, 100, 40, 30, 10, 60],
    );
    assert.equal(hot.share, '30.00');
    assert.equal(all.width, 1200);
    assert.equal(hot.width, 360);
    assert.equal(idle.width, 720);
    // children sit on their parent, left to right by name: idle then work; cold then hot
    assert.ok(main.y < all.y && work.y < main.y && hot.y < work.y);
    assert.equal(idle.x, 0);
    assert.equal(work.x, 720);
    assert.equal(cold.x, 720);
    assert.equal(hot.x, 840);
  });

  test('--flamegraph --format pprof: go tool pprof -top reads the weights', { skip: noGo }, async () => {
    const bytes = await runFlamegraph(cfg, "SampleType = 'samples'", 'pprof', { configDir: dir });
    const file = join(dir, 'cpu.pb.gz');
    writeFileSync(file, bytes);
    const top = await goPprof(dir, '-top', file);
    // "flat flat% sum% cum cum%  name": flat is what the function itself holds
    const flat = Object.fromEntries(
      top
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length === 6 && /^\d+$/.test(f[0]))
        .map((f) => [f[5], [Number(f[0]), Number(f[3])]]),
    );
    assert.deepEqual(flat.hot, [30, 30]);
    assert.deepEqual(flat.cold, [10, 10]);
    assert.deepEqual(flat.idle, [60, 60]);
    assert.deepEqual(flat.main, [0, 100]);
    assert.deepEqual(flat.work, [0, 40]);
  });

  test('the flowtel CLI: query --flamegraph with the config naming the store', async () => {
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `receivers: {otlp: {}}\nexporters: {clickhouse: {endpoint: "chdb://./store"}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [clickhouse]}}}\n`,
    );
    const folded = await runCli([
      'query',
      '--config',
      config,
      '--flamegraph',
      "SampleType = 'off_cpu'",
      '--format',
      'folded',
    ]);
    assert.equal(folded.code, 0, folded.stderr);
    assert.equal(folded.stdout, 'main;wait 5000000\n');
    const svg = await runCli(['query', '--config', config, '--flamegraph', "SampleType = 'off_cpu'"]);
    assert.equal(svg.code, 0, svg.stderr);
    assert.match(svg.stdout, /<title>wait \(5000000 nanoseconds, 100.00%\)<\/title>/);
    const wrong = await runCli(['query', '--config', config, '--flamegraph', '--format', 'csv']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /--flamegraph writes svg, folded or pprof, not csv/);
  });
});
