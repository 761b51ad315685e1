import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { Ack, SharedState, ConsumerError } from '@flowtel/core';
import type { Batch, CreateSettings, Exporter } from '@flowtel/core';
import {
  SocketEventBatch,
  attr,
  decodeLogs,
  decodeMetrics,
  decodeTraces,
  logsFromJson,
  metricsFromJson,
  newLogRecord,
  newResource,
  newScope,
  newSpan,
  tracesFromJson,
} from '@flowtel/pdata';
import type { Logs, Metrics, Traces } from '@flowtel/pdata';
import { codecToolsOr, waitFor, zstdTool } from '@flowtel/testkit';
import { factory, lengthPrefixedRecords } from '../src/index.ts';

const MIB = 1024 * 1024;
const host = { getExtension: () => undefined, shared: new SharedState() };

function workdir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function create(dir: string, config: Record<string, unknown>): Exporter {
  const settings: CreateSettings = {
    id: 'file',
    kind: 'exporter',
    logger: pino({ level: 'silent' }),
    meter: createNoopMeter(),
    metricsLevel: 'basic',
    configDir: dir,
  };
  return factory.createExporter(settings, factory.configSchema.parse(config), ['traces', 'metrics', 'logs']);
}

function traces(name: string, padding = 0): Traces {
  const attributes = [attr('service.name', 'checkout')];
  if (padding > 0) attributes.push(attr('padding', 'x'.repeat(padding)));
  return {
    resourceSpans: [
      {
        resource: newResource(attributes),
        schemaUrl: '',
        scopeSpans: [
          {
            scope: newScope('test', '1.0'),
            schemaUrl: '',
            spans: [
              newSpan({
                name,
                traceId: Uint8Array.from({ length: 16 }, (_, i) => i + 1),
                spanId: Uint8Array.from({ length: 8 }, (_, i) => i + 1),
                startTimeUnixNano: 1700000000123456789n,
                endTimeUnixNano: 1700000000223456789n,
                kind: 2,
              }),
            ],
          },
        ],
      },
    ],
  };
}

const metrics = (): Metrics => ({
  resourceMetrics: [
    {
      resource: newResource([attr('host.name', 'web-1')]),
      schemaUrl: '',
      scopeMetrics: [
        {
          scope: newScope('meter'),
          schemaUrl: '',
          metrics: [
            {
              name: 'requests',
              description: '',
              unit: '1',
              metadata: [],
              sum: {
                aggregationTemporality: 2,
                isMonotonic: true,
                dataPoints: [
                  {
                    attributes: [],
                    startTimeUnixNano: 1n,
                    timeUnixNano: 9007199254740993n,
                    asInt: 42n,
                    exemplars: [],
                    flags: 0,
                  },
                ],
              },
            },
          ],
        },
      ],
    },
  ],
});

const logs = (): Logs => ({
  resourceLogs: [
    {
      resource: newResource(),
      schemaUrl: '',
      scopeLogs: [
        {
          scope: newScope(),
          schemaUrl: '',
          logRecords: [newLogRecord({ body: { stringValue: 'hello' }, severityNumber: 9 })],
        },
      ],
    },
  ],
});

const batch = (signal: 'traces' | 'metrics' | 'logs', data: Traces | Metrics | Logs): Batch =>
  ({ signal, data, items: 1, ack: Ack.none() }) as Batch;

const spanName = (t: Traces) => t.resourceSpans[0].scopeSpans[0].spans[0].name;

test('json: one OTLP/JSON request per line that reads back to the same data', async (t) => {
  const dir = workdir(t);
  const exporter = create(dir, { path: 'out.json' });
  await exporter.start(host);
  await exporter.consume(batch('traces', traces('first')));
  await exporter.consume(batch('metrics', metrics()));
  await exporter.consume(batch('logs', logs()));
  await exporter.shutdown();
  await exporter.shutdown();

  const lines = readFileSync(join(dir, 'out.json'), 'utf8').split('\n');
  assert.equal(lines.length, 4, 'three records and the final newline');
  assert.equal(lines[3], '');
  assert.ok(JSON.parse(lines[0]).resourceSpans, 'an ExportTraceServiceRequest');
  assert.deepEqual(tracesFromJson(lines[0]), traces('first'));
  assert.deepEqual(metricsFromJson(lines[1]), metrics(), 'int64 values survive (9007199254740993 is not a double)');
  assert.deepEqual(logsFromJson(lines[2]), logs());
});

test('proto: 4-byte big-endian length, then the protobuf request', async (t) => {
  const dir = workdir(t);
  const exporter = create(dir, { path: 'out.binpb', format: 'proto' });
  await exporter.start(host);
  await exporter.consume(batch('traces', traces('a')));
  await exporter.consume(batch('metrics', metrics()));
  await exporter.consume(batch('logs', logs()));
  await exporter.shutdown();
  const [t1, m1, l1, ...rest] = lengthPrefixedRecords(readFileSync(join(dir, 'out.binpb')));
  assert.equal(rest.length, 0);
  assert.deepEqual(decodeTraces(t1), traces('a'));
  assert.deepEqual(decodeMetrics(m1), metrics());
  assert.deepEqual(decodeLogs(l1), logs());
});

test('an existing file is truncated, unless append is set', async (t) => {
  const dir = workdir(t);
  const path = join(dir, 'out.json');
  writeFileSync(path, 'old line\n');
  const truncating = create(dir, { path });
  await truncating.start(host);
  await truncating.consume(batch('traces', traces('new')));
  await truncating.shutdown();
  assert.equal(readFileSync(path, 'utf8').split('\n').filter(Boolean).length, 1);

  const appending = create(dir, { path, append: true });
  await appending.start(host);
  await appending.consume(batch('traces', traces('newer')));
  await appending.shutdown();
  const names = readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => spanName(tracesFromJson(l)));
  assert.deepEqual(names, ['new', 'newer']);
});

test('records are buffered and written every flush_interval', async (t) => {
  const dir = workdir(t);
  const path = join(dir, 'out.json');
  const exporter = create(dir, { path, flush_interval: '1s' });
  t.after(() => exporter.shutdown());
  await exporter.start(host);
  await exporter.consume(batch('traces', traces('buffered')));
  assert.equal(statSync(path).size, 0, 'not written yet');
  await waitFor('the flush', async () => statSync(path).size > 0);
  assert.equal(spanName(tracesFromJson(readFileSync(path, 'utf8').trim())), 'buffered');
});

test('records small enough to buffer and records too big to, in turn, all read back whole and in order', async (t) => {
  const dir = workdir(t);
  // the encoder reuses its memory: a buffered record must be a copy, not a view the next overwrites
  const sizes = [10, 400_000, 20, 30, 300_000, 300_000, 40];
  for (const format of ['json', 'proto'] as const) {
    const path = join(dir, `out.${format}`);
    const exporter = create(dir, { path, format });
    await exporter.start(host);
    for (const [i, padding] of sizes.entries()) await exporter.consume(batch('traces', traces(`record-${i}`, padding)));
    await exporter.shutdown();
    const bytes = readFileSync(path);
    const records =
      format === 'json'
        ? bytes
            .toString('utf8')
            .trimEnd()
            .split('\n')
            .map((line) => tracesFromJson(line))
        : lengthPrefixedRecords(bytes).map((message) => decodeTraces(message));
    assert.deepEqual(
      records.map(spanName),
      sizes.map((_, i) => `record-${i}`),
      format,
    );
    assert.deepEqual(records[1], traces('record-1', 400_000), `${format}: a large record is exact`);
    assert.deepEqual(records[6], traces('record-6', 40), `${format}: a small record after large ones is exact`);
  }
});

test('rotation: full files are renamed with a timestamp, max_backups are kept, every record stays whole', async (t) => {
  const dir = workdir(t);
  const exporter = create(dir, { path: 'traces.json', rotation: { max_megabytes: 1, max_backups: 2 } });
  await exporter.start(host);
  const written: string[] = [];
  for (let i = 0; i < 14; i++) {
    written.push(`span-${i}`);
    await exporter.consume(batch('traces', traces(`span-${i}`, 300_000)));
  }
  await exporter.shutdown();

  const files = readdirSync(dir).sort();
  const backups = files.filter((f) => f !== 'traces.json');
  assert.equal(backups.length, 2, `max_backups keeps 2 rotated files: ${files}`);
  for (const b of backups) assert.match(b, /^traces-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}\.json$/);
  const read = [...backups, 'traces.json'].flatMap((f) => {
    const size = statSync(join(dir, f)).size;
    assert.ok(size <= MIB, `${f} is ${size} bytes, at most max_megabytes`);
    return readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => spanName(tracesFromJson(l)));
  });
  assert.ok(read.length >= 6, `three files of three records each hold the newest ones: ${read}`);
  assert.deepEqual(read, written.slice(written.length - read.length), 'the newest records, in order, none cut');
});

test('rotation appends to an existing file and deletes backups older than max_days', async (t) => {
  const dir = workdir(t);
  const old = join(dir, 'traces-2001-01-01T00-00-00.000.json');
  writeFileSync(old, 'ancient\n');
  writeFileSync(join(dir, 'unrelated-2001-01-01T00-00-00.000.json'), 'keep me\n');
  writeFileSync(join(dir, 'traces.json'), `${'{}'.padEnd(900_000, ' ')}\n`);
  const exporter = create(dir, { path: 'traces.json', rotation: { max_megabytes: 1, max_days: 1 } });
  await exporter.start(host);
  await exporter.consume(batch('traces', traces('fits', 10_000)));
  assert.equal(readdirSync(dir).length, 3, 'the record fits: no rotation yet');
  await exporter.consume(batch('traces', traces('rotates', 200_000)));
  await exporter.shutdown();
  const files = readdirSync(dir).sort();
  assert.ok(!files.includes('traces-2001-01-01T00-00-00.000.json'), 'the backup older than max_days is gone');
  assert.ok(files.includes('unrelated-2001-01-01T00-00-00.000.json'), 'other files are left alone');
  const backup = files.find((f) => /^traces-\d{4}-.*\.json$/.test(f))!;
  const backupLines = readFileSync(join(dir, backup), 'utf8').split('\n').filter(Boolean);
  assert.equal(backupLines.length, 2, 'the old content and the appended record');
  assert.equal(spanName(tracesFromJson(backupLines[1])), 'fits');
  assert.equal(spanName(tracesFromJson(readFileSync(join(dir, 'traces.json'), 'utf8').trim())), 'rotates');
});

test('a record bigger than max_megabytes is refused permanently', async (t) => {
  const dir = workdir(t);
  const exporter = create(dir, { path: 'traces.json', rotation: { max_megabytes: 1 } });
  t.after(() => exporter.shutdown());
  await exporter.start(host);
  await assert.rejects(
    exporter.consume(batch('traces', traces('huge', 2 * MIB))),
    (e: unknown) => e instanceof ConsumerError && !e.retryable && /exceeds maximum file size 1048576/.test(e.message),
  );
});

test('socket events are refused permanently: they are not OTLP', async (t) => {
  const dir = workdir(t);
  const exporter = create(dir, { path: 'out.json' });
  t.after(() => exporter.shutdown());
  await exporter.start(host);
  const socket: Batch = { signal: 'socket', data: new SocketEventBatch('x'), items: 0, ack: Ack.none() };
  await assert.rejects(exporter.consume(socket), (e: unknown) => e instanceof ConsumerError && !e.retryable);
});

test('create_directory makes the parent directories; without it a missing one fails start', async (t) => {
  const dir = workdir(t);
  const exporter = create(dir, { path: 'a/b/out.json', create_directory: true });
  await exporter.start(host);
  await exporter.consume(batch('traces', traces('deep')));
  await exporter.shutdown();
  assert.equal(spanName(tracesFromJson(readFileSync(join(dir, 'a/b/out.json'), 'utf8').trim())), 'deep');
  const failing = create(dir, { path: 'missing/out.json' });
  await assert.rejects(failing.start(host), /cannot open .*missing\/out.json/);
});

test('config is validated as fileexporter validates it', () => {
  const message = (config: Record<string, unknown>) => {
    const r = factory.configSchema.safeParse(config);
    assert.equal(r.success, false, JSON.stringify(config));
    return r.error!.issues[0].message;
  };
  assert.equal(message({}), 'path must be non-empty');
  assert.equal(
    message({ path: 'x', append: true, rotation: {} }),
    'append and rotation enabled at the same time is not supported',
  );
  assert.match(message({ path: 'x', format: 'xml' }), /format type is not supported.*json, proto/);
  assert.match(message({ path: 'x', compression: 'gzip' }), /compression is not supported/);
  assert.match(message({ path: 'x', group_by: { enabled: true } }), /group_by is not supported/);
  assert.equal(
    message({ path: 'x', directory_permissions: '0700' }),
    'directory_permissions requires create_directory to be true',
  );
  assert.equal(
    message({ path: 'x', create_directory: true, directory_permissions: '9' }),
    'directory_permissions value must be a valid octal representation',
  );
  assert.match(message({ path: 'x', rotation: { max_megabyte: 1 } }), /max_megabyte/);
  const c = factory.configSchema.parse({ path: 'x', rotation: {}, flush_interval: 0 });
  assert.deepEqual(c.rotation, { max_megabytes: 100, max_days: 0, max_backups: 100, localtime: false });
  assert.equal(c.flush_interval, 1000, 'otelcol turns 0 into 1s');
  assert.equal(factory.configSchema.parse({ path: 'x' }).rotation, undefined, 'no rotation unless asked');
});

test('compression zstd: each record compressed on its own and length-prefixed, read back by the zstd tool (on Node 20 too)', async (t) => {
  const dir = workdir(t);
  const exporter = create(dir, { path: 'out.zst', compression: 'zstd' });
  await exporter.start(host);
  await exporter.consume(batch('traces', traces('z')));
  await exporter.consume(batch('traces', traces('y')));
  await exporter.shutdown();
  const records = lengthPrefixedRecords(readFileSync(join(dir, 'out.zst')));
  assert.equal(records.length, 2);
  if (!codecToolsOr(t)) return;
  assert.deepEqual(
    records.map((r) => spanName(tracesFromJson(zstdTool(['-d', '-c', '-q'], r).toString()))),
    ['z', 'y'],
  );
});
