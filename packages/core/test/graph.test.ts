// The pipeline graph with real components written for the test: a receiver the test drives,
// a processor that tags spans, an exporter that records or refuses, and the forward connector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attr, newResource, newScope, newSpan, getAttr, tracesOf, type Traces } from '@flowtel/pdata';
import { factory as forward } from '@flowtel/connector-forward';
import { map } from 'rxjs';
import {
  Graph,
  Registry,
  createTelemetry,
  parseYamlSource,
  resolveConfig,
  permanent,
  retryable,
  z,
  telemetrySchema,
  type Batch,
  type ExporterFactory,
  type ProcessorFactory,
  type ReceiverFactory,
  type Consumers,
} from '../src/index.ts';

const drivers = new Map<string, Consumers>();
const exported = new Map<string, Batch[]>();
const lifecycle: string[] = [];

const source: ReceiverFactory = {
  kind: 'receiver',
  type: 'source',
  stability: { traces: 'development', logs: 'development' },
  configSchema: z.object({}).strict(),
  createReceiver: (s, _c, consumers) => ({
    start: async (host) => {
      lifecycle.push(`start ${s.id}`);
      drivers.set(s.id, consumers);
      void host.allStarted?.then(() => lifecycle.push(`all started, as ${s.id} sees it`));
    },
    shutdown: async () => {
      lifecycle.push(`shutdown ${s.id}`);
    },
  }),
};

const tag: ProcessorFactory = {
  kind: 'processor',
  type: 'tag',
  stability: { traces: 'development' },
  mutatesData: true,
  configSchema: z.object({ value: z.string().default('x') }).strict(),
  createProcessor: (s, c: { value: string }) => ({
    start: async () => {
      lifecycle.push(`start ${s.id}`);
    },
    shutdown: async () => {
      lifecycle.push(`shutdown ${s.id}`);
    },
    operator: () =>
      map((b: Batch) => {
        if (b.signal === 'traces')
          for (const rs of b.data.resourceSpans)
            for (const ss of rs.scopeSpans) for (const sp of ss.spans) sp.attributes.push(attr('tag', c.value));
        return b;
      }),
  }),
};

const capture: ExporterFactory = {
  kind: 'exporter',
  type: 'capture',
  stability: { traces: 'development', logs: 'development' },
  configSchema: z
    .object({ refuse: z.enum(['none', 'permanent', 'retryable']).default('none'), delay_ms: z.number().default(0) })
    .strict(),
  createExporter: (s, c: { refuse: string; delay_ms: number }) => ({
    start: async () => {
      lifecycle.push(`start ${s.id}`);
      exported.set(s.id, []);
    },
    shutdown: async () => {
      lifecycle.push(`shutdown ${s.id}`);
    },
    consume: async (b: Batch) => {
      await new Promise((r) => setTimeout(r, c.delay_ms));
      if (c.refuse === 'permanent') throw permanent('bad data');
      if (c.refuse === 'retryable') throw retryable('try later');
      exported.get(s.id)!.push(b);
    },
  }),
};

const registry = new Registry().add(source).add(tag).add(capture).add(forward);

function traces(n: number): Traces {
  return tracesOf(
    Array.from({ length: n }, (_, i) => newSpan({ name: `s${i}` })),
    newResource([attr('service.name', 'svc')]),
    newScope('t'),
  );
}

async function run(yaml: string) {
  const resolved = resolveConfig(parseYamlSource('test.yaml', yaml, process.cwd()), registry);
  const telemetry = await createTelemetry(
    telemetrySchema.parse({ metrics: { level: 'none' }, logs: { level: 'error' } }),
    {
      command: 'test',
      version: '0',
    },
  );
  const graph = new Graph(resolved, telemetry);
  await graph.start();
  return graph;
}

test('a receiver in two pipelines runs once and fans out; each pipeline has its own processor and copy of the data', async () => {
  lifecycle.length = 0;
  const graph = await run(`
receivers: {source: {}}
processors: {tag/a: {value: a}, tag/b: {value: b}}
exporters: {capture/a: {}, capture/b: {}}
service:
  pipelines:
    traces/a: {receivers: [source], processors: [tag/a], exporters: [capture/a]}
    traces/b: {receivers: [source], processors: [tag/b], exporters: [capture/b]}
`);
  assert.equal(lifecycle.filter((l) => l === 'start source').length, 1);
  assert.ok(lifecycle.indexOf('start capture/a') < lifecycle.indexOf('start tag/a'));
  assert.ok(lifecycle.indexOf('start tag/a') < lifecycle.indexOf('start source'));
  // the host's allStarted resolves once, after the last component started
  await Promise.resolve();
  assert.equal(lifecycle.filter((l) => l === 'all started, as source sees it').length, 1);
  assert.ok(lifecycle.indexOf('start source') < lifecycle.indexOf('all started, as source sees it'));
  await drivers.get('source')!.traces!.consume({ signal: 'traces', data: traces(3), items: 3 });
  const [a] = exported.get('capture/a')!;
  const [b] = exported.get('capture/b')!;
  assert.equal(a.items, 3);
  const spanA = (a.data as Traces).resourceSpans[0].scopeSpans[0].spans[0];
  const spanB = (b.data as Traces).resourceSpans[0].scopeSpans[0].spans[0];
  assert.deepEqual(
    spanA.attributes.map((kv) => getAttr([kv], 'tag')),
    ['a'],
  );
  assert.deepEqual(
    spanB.attributes.map((kv) => getAttr([kv], 'tag')),
    ['b'],
  );
  await graph.shutdown();
  assert.ok(lifecycle.indexOf('shutdown source') < lifecycle.indexOf('shutdown tag/a'));
  assert.ok(lifecycle.indexOf('shutdown tag/a') < lifecycle.indexOf('shutdown capture/a'));
});

test('refusals travel back to the receiver typed: permanent wins over retryable across a fan-out', async () => {
  const graph = await run(`
receivers: {source: {}}
exporters: {capture/ok: {}, capture/perm: {refuse: permanent}, capture/retry: {refuse: retryable}}
service:
  pipelines:
    traces/1: {receivers: [source], exporters: [capture/ok, capture/retry]}
    traces/2: {receivers: [source], exporters: [capture/perm]}
`);
  await assert.rejects(
    drivers.get('source')!.traces!.consume({ signal: 'traces', data: traces(1), items: 1 }),
    (err: any) => {
      assert.equal(err.retryable, false);
      assert.equal(err.message, 'bad data');
      assert.equal(err.origin, 'capture/perm', 'the refusal names the exporter that refused');
      return true;
    },
  );
  assert.equal(exported.get('capture/ok')!.length, 1);
  await graph.shutdown();
});

test('a connector joins pipelines, acknowledgements cross it, and shutdown drains upstream before downstream', async () => {
  const graph = await run(`
receivers: {source: {}}
exporters: {capture/end: {delay_ms: 20}}
connectors: {forward: {}}
service:
  pipelines:
    traces/in: {receivers: [source], exporters: [forward]}
    traces/out: {receivers: [forward], exporters: [capture/end]}
`);
  const consumer = drivers.get('source')!.traces!;
  const pending = Array.from({ length: 5 }, () => consumer.consume({ signal: 'traces', data: traces(2), items: 2 }));
  await graph.shutdown();
  await Promise.all(pending);
  assert.equal(
    exported.get('capture/end')!.reduce((n, b) => n + b.items, 0),
    10,
  );
  await assert.rejects(consumer.consume({ signal: 'traces', data: traces(1), items: 1 }), /shutting down/);
});

test('validation: every otelcol rule, each problem located at its line and key path', () => {
  const yaml = [
    'receivers:',
    '  source: {}',
    '  nope: {}',
    'processors:',
    '  tag:',
    '    valeu: 1',
    '  tag/2: {value: 3}',
    'exporters:',
    '  capture: {refuse: sometimes}',
    'connectors:',
    '  forward: {}',
    'extras: {}',
    'service:',
    '  pipelines:',
    '    traces:',
    '      receivers: [source, missing]',
    '      processors: [tag, tag]',
    '      exporters: [capture, forward]',
    '    logs:',
    '      receivers: [source]',
    '    profiles/x:',
    '      receivers: [source]',
    '      exporters: [capture]',
  ].join('\n');
  let message = '';
  try {
    resolveConfig(parseYamlSource('bad.yaml', yaml, process.cwd()), registry);
  } catch (err) {
    message = (err as Error).message;
  }
  const expected = [
    'bad.yaml:12:1: extras: has invalid keys: extras (valid keys: receivers, processors, exporters, connectors, extensions, service)',
    'bad.yaml:3:3: receivers::nope: unknown type: "nope" for id: "nope" (valid values: [source])',
    'bad.yaml:6:5: processors::tag::valeu: has invalid keys: valeu (valid keys: value)',
    'bad.yaml:7:11: processors::tag/2::value: expected string, got number',
    'bad.yaml:9:13: exporters::capture::refuse: invalid value "sometimes" (valid values: none, permanent, retryable)',
    'bad.yaml:21:5: service::pipelines::profiles/x: pipeline "profiles/x": profiling signal support is at alpha level, gated under the "service.profilesSupport" feature gate',
    'bad.yaml:16:27: service::pipelines::traces::receivers::1: references receiver "missing" which is not configured',
    'bad.yaml:17:25: service::pipelines::traces::processors::1: references processor "tag" multiple times',
    'bad.yaml:19:5: service::pipelines::logs::exporters: must have at least one exporter',
    'bad.yaml:11:3: connectors::forward: connector "forward" used as exporter in traces pipeline but not used in any supported receiver pipeline',
  ];
  for (const line of expected) assert.ok(message.includes(line), `missing:\n${line}\nin:\n${message}`);
});

test('a pipeline fed socket events without the l7 parser is rejected with the reason', () => {
  const socketSource: ReceiverFactory = { ...source, type: 'capture_src', emits: 'socket' };
  const reg = new Registry().add(socketSource).add(capture);
  assert.throws(
    () =>
      resolveConfig(
        parseYamlSource(
          's.yaml',
          'receivers: {capture_src: {}}\nexporters: {capture: {}}\nservice: {pipelines: {traces: {receivers: [capture_src], exporters: [capture]}}}',
          '.',
        ),
        reg,
      ),
    /receiver "capture_src" emits socket events, which only the l7 processor turns into traces/,
  );
});
