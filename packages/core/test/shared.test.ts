// State shared through the host: one instance for several pipelines (started by the first user,
// shut down after the last), and state a processor offers an exporter, which outlives the
// processor until the exporter has flushed its queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attr, newResource, newScope, newSpan, type Traces } from '@flowtel/pdata';
import { map } from 'rxjs';
import {
  Graph,
  Registry,
  SharedState,
  createTelemetry,
  parseYamlSource,
  resolveConfig,
  sharedKey,
  telemetrySchema,
  z,
  type Batch,
  type ExporterFactory,
  type ProcessorFactory,
  type ReceiverFactory,
  type SharedInstance,
  type Consumers,
} from '../src/index.ts';

class Counter {
  starts = 0;
  stops = 0;
  readonly log: string[];
  constructor(log: string[] = []) {
    this.log = log;
  }
  async start() {
    await new Promise((r) => setImmediate(r));
    this.starts++;
    this.log.push('shared start');
  }
  shutdown() {
    this.stops++;
    this.log.push('shared shutdown');
  }
}
const COUNTER = sharedKey<Counter>('test.counter');

test('a shared instance starts once for its first user and shuts down after its last, then a new one is made', async () => {
  const state = new SharedState();
  let made = 0;
  const create = () => (made++, new Counter());
  const a = state.instance(COUNTER, 'x', create);
  const b = state.instance(COUNTER, 'x', create);
  assert.equal(a, b, 'one instance per key and id');
  assert.notEqual(state.instance(COUNTER, 'y', create), a, 'another id, another instance');
  await Promise.all([a.acquire(), b.acquire()]);
  assert.equal(a.value.starts, 1, 'two users at once start it once');
  assert.equal(await a.release(), false);
  assert.equal(a.value.stops, 0, 'a user remains');
  assert.equal(await b.release(), true);
  assert.equal(a.value.stops, 1);
  assert.equal(await b.release(), false, 'a release too many does nothing');
  const c = state.instance(COUNTER, 'x', create);
  assert.notEqual(c, a, 'after the last release the next user gets a new instance');
  assert.equal(made, 3);
});

test('a start that fails is not a user: the instance is dropped and the next user starts a new one', async () => {
  const state = new SharedState();
  let attempts = 0;
  const key = sharedKey<{ start(): void; shutdown(): void }>('test.flaky');
  const create = () => ({
    start: () => {
      if (++attempts === 1) throw new Error('port busy');
    },
    shutdown: () => {},
  });
  const failed = state.instance(key, 'x', create);
  await assert.rejects(failed.acquire(), /port busy/);
  const fresh = state.instance(key, 'x', create);
  assert.notEqual(fresh, failed);
  await fresh.acquire();
  assert.equal(attempts, 2);
  assert.equal(await fresh.release(), true);
});

test('offered state is found by key and id until the host clears it', () => {
  const state = new SharedState();
  const WORDS = sharedKey<string[]>('test.words');
  assert.equal(state.lookup(WORDS, 'a'), undefined);
  state.offer(WORDS, 'a', ['x']);
  assert.deepEqual(state.lookup(WORDS, 'a'), ['x']);
  assert.equal(state.lookup(WORDS, 'b'), undefined);
  assert.equal(state.lookup(sharedKey<string[]>('test.other'), 'a'), undefined, 'keys are separate namespaces');
  state.clear();
  assert.equal(state.lookup(WORDS, 'a'), undefined);
});

// In a collector: a processor used by two pipelines shares one instance and offers a word
// list; an exporter with a queue writes the word of each span only when it flushes at
// shutdown, long after both processors stopped.
const log: string[] = [];
const drivers = new Map<string, Consumers>();
const written: string[] = [];
const WORDS = sharedKey<Map<string, string>>('test.words');

const source: ReceiverFactory = {
  kind: 'receiver',
  type: 'source',
  stability: { traces: 'development' },
  configSchema: z.object({}).strict(),
  createReceiver: (s, _c, consumers) => ({
    start: async () => void drivers.set(s.id, consumers),
    shutdown: async () => void log.push('receiver shutdown'),
  }),
};

const words: ProcessorFactory = {
  kind: 'processor',
  type: 'words',
  stability: { traces: 'development' },
  configSchema: z.object({}).strict(),
  createProcessor: (s) => {
    let shared: SharedInstance<Counter & { words: Map<string, string> }> | undefined;
    return {
      start: async (host) => {
        shared = host.shared.instance(
          sharedKey<Counter & { words: Map<string, string> }>('test.vocabulary'),
          s.id,
          () => Object.assign(new Counter(log), { words: new Map<string, string>() }),
        );
        await shared.acquire();
        host.shared.offer(WORDS, s.id, shared.value.words);
      },
      shutdown: async () => {
        log.push('processor shutdown');
        await shared?.release();
      },
      // replaces each span's name by an id into the word list, as smartencoding does with tags
      operator: () =>
        map((b: Batch) => {
          if (b.signal === 'traces') {
            for (const sp of b.data.resourceSpans[0].scopeSpans[0].spans) {
              const id = `w${shared!.value.words.size}`;
              shared!.value.words.set(id, sp.name);
              sp.name = id;
            }
            b.data.resourceSpans[0].resource.attributes.push(attr('words', s.id));
          }
          return b;
        }),
    };
  },
};

const held: ExporterFactory = {
  kind: 'exporter',
  type: 'held',
  stability: { traces: 'development' },
  configSchema: z.object({}).strict(),
  createExporter: () => {
    const queue: Batch[] = [];
    let host: { shared: SharedState } | undefined;
    return {
      start: async (h) => void (host = h),
      consume: async (b: Batch) => void queue.push(b),
      shutdown: async () => {
        log.push('exporter flush');
        for (const b of queue) {
          if (b.signal !== 'traces') continue;
          const id = b.data.resourceSpans[0].resource.attributes.find((a) => a.key === 'words')!.value;
          const list = host!.shared.lookup(WORDS, 'stringValue' in id ? id.stringValue : '');
          for (const sp of b.data.resourceSpans[0].scopeSpans[0].spans)
            written.push(list?.get(sp.name) ?? `lost ${sp.name}`);
        }
      },
    };
  },
};

function traces(names: string[]): Traces {
  return {
    resourceSpans: [
      {
        resource: newResource([]),
        schemaUrl: '',
        scopeSpans: [{ scope: newScope('t'), schemaUrl: '', spans: names.map((name) => newSpan({ name })) }],
      },
    ],
  };
}

test('in a collector: one instance for two pipelines, and what a processor offered outlives it until the exporters flushed', async () => {
  const registry = new Registry().add(source).add(words).add(held);
  const yaml = `
receivers: {source: {}, source/b: {}}
processors: {words: {}}
exporters: {held: {}}
service:
  pipelines:
    traces: {receivers: [source], processors: [words], exporters: [held]}
    traces/b: {receivers: [source/b], processors: [words], exporters: [held]}
`;
  const telemetry = await createTelemetry(
    telemetrySchema.parse({ metrics: { level: 'none' }, logs: { level: 'error' } }),
    {
      command: 'test',
      version: '0',
    },
  );
  const graph = new Graph(resolveConfig(parseYamlSource('test.yaml', yaml, process.cwd()), registry), telemetry);
  await graph.start();
  await drivers.get('source')!.traces!.consume({ signal: 'traces', data: traces(['GET /a', 'GET /b']), items: 2 });
  await drivers.get('source/b')!.traces!.consume({ signal: 'traces', data: traces(['GET /c']), items: 1 });
  await graph.shutdown();
  assert.deepEqual(
    written,
    ['GET /a', 'GET /b', 'GET /c'],
    'every span the pipelines accepted was written with its word',
  );
  assert.deepEqual(log, [
    'shared start',
    'receiver shutdown',
    'receiver shutdown',
    'processor shutdown',
    'processor shutdown',
    'shared shutdown',
    'exporter flush',
  ]);
  assert.equal(graph.shared.lookup(WORDS, 'words'), undefined, 'forgotten once the exporters stopped');
});
