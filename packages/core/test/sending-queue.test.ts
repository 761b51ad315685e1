// sending_queue as otelcol's exporterhelper defines it: the keys and defaults of its README and
// queuebatch config, when a request is answered, what a full queue does, and batching in the
// queue by its sizer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { encodeTraces, newResource, newScope, newSpan, spanCount, type Traces } from '@flowtel/pdata';
import {
  Ack,
  SharedState,
  permanent,
  createLogger,
  createQueuedExporter,
  exporterHelperShape,
  sendingQueueSchema,
  z,
  type Batch,
  type Push,
} from '../src/index.ts';

const configSchema = z.object(exporterHelperShape).strict();
const host = { getExtension: () => undefined, shared: new SharedState() };

class Collect extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

function settingsWithMetrics() {
  const reader = new Collect();
  const provider = new MeterProvider({ readers: [reader] });
  const settings = {
    id: 'otlp_grpc/q',
    kind: 'exporter' as const,
    logger: createLogger('silent'),
    meter: provider.getMeter('test'),
    metricsLevel: 'normal' as const,
    configDir: '.',
  };
  const metric = async (name: string) => {
    const { resourceMetrics } = await reader.collect();
    const found = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
    return found?.dataPoints.reduce((sum, p) => sum + (p.value as number), 0) ?? 0;
  };
  return { settings, metric };
}

function exporter(config: unknown, push: Push, settings = settingsWithMetrics().settings) {
  return createQueuedExporter({ settings, config: configSchema.parse(config), signals: ['traces'], push });
}

let nextSpan = 0;
/** A traces batch of `n` spans named s0, s1, ... in order across calls. */
function spans(n: number, client?: Batch['client']): Batch {
  const data: Traces = {
    resourceSpans: [
      {
        resource: newResource(),
        schemaUrl: '',
        scopeSpans: [
          {
            scope: newScope(),
            schemaUrl: '',
            spans: Array.from({ length: n }, () => newSpan({ name: `s${nextSpan++}` })),
          },
        ],
      },
    ],
  };
  return { signal: 'traces', items: n, data, ack: Ack.none(), client };
}
const names = (b: Batch) =>
  (b.data as Traces).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name)));

/** A push that records what it sent and can be held back. */
function recorder() {
  const sent: Batch[] = [];
  const state = { started: 0 };
  let gate: Promise<void> = Promise.resolve();
  let open = () => {};
  const push: Push = async (b) => {
    state.started++;
    await gate;
    sent.push(b);
  };
  return {
    sent,
    state,
    push,
    hold() {
      gate = new Promise((r) => (open = r));
    },
    release: () => open(),
  };
}

async function until(what: string, cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

test("sending_queue keys and defaults are otelcol's; batch is off unless given, and `batch: {}` gives its defaults", () => {
  const q = sendingQueueSchema.parse({});
  assert.deepEqual(
    { ...q },
    {
      enabled: true,
      num_consumers: 10,
      queue_size: 1000,
      sizer: 'requests',
      block_on_overflow: false,
      wait_for_result: false,
      batch: undefined,
    },
  );
  const b = sendingQueueSchema.parse({ batch: {} }).batch;
  assert.deepEqual(b, {
    flush_timeout: 200,
    min_size: 8192,
    max_size: 0,
    sizer: 'items',
    partition: { metadata_keys: [] },
  });
});

test("batch::sizer follows otelcol's Unmarshal: inherited from an explicit queue sizer only when batch is not empty", () => {
  // the cases of otelcol's queuebatch testdata
  assert.equal(sendingQueueSchema.parse({ sizer: 'bytes', batch: {} }).batch!.sizer, 'items');
  assert.equal(sendingQueueSchema.parse({ batch: {} }).batch!.sizer, 'items');
  assert.equal(
    sendingQueueSchema.parse({ sizer: 'bytes', queue_size: 2000, batch: { min_size: 100 } }).batch!.sizer,
    'bytes',
  );
  assert.equal(sendingQueueSchema.parse({ batch: { min_size: 100 } }).batch!.sizer, 'items');
  assert.equal(
    sendingQueueSchema.parse({ sizer: 'items', batch: { min_size: 10, sizer: 'bytes' } }).batch!.sizer,
    'bytes',
  );
});

test("sending_queue refuses what otelcol's Validate refuses, with its messages", () => {
  const refusal = (config: unknown) => {
    const r = sendingQueueSchema.safeParse(config);
    assert.equal(r.success, false, JSON.stringify(config));
    return r.error!.issues.map((i) => `${i.path.join('::')}: ${i.message}`).join('; ');
  };
  assert.match(refusal({ num_consumers: 0 }), /`num_consumers` must be positive/);
  assert.match(refusal({ queue_size: 0 }), /`queue_size` must be positive/);
  assert.match(
    refusal({ storage: 'file_storage', wait_for_result: true }),
    /wait_for_result: `wait_for_result` is not supported with a persistent queue/,
  );
  assert.match(
    refusal({ sizer: 'requests', batch: { min_size: 1 } }),
    /batch::sizer: `batch` supports only `items` or `bytes` sizer, found "requests"/,
  );
  assert.match(refusal({ batch: { flush_timeout: 0 } }), /`flush_timeout` must be positive/);
  assert.match(
    refusal({ batch: { min_size: 100, max_size: 10 } }),
    /`max_size` \(10\) must be greater or equal to `min_size` \(100\)/,
  );
  assert.match(
    refusal({ sizer: 'items', queue_size: 100, batch: { min_size: 200 } }),
    /`min_size` must be less than or equal to `queue_size`/,
  );
  assert.match(
    refusal({ batch: { partition: { metadata_keys: ['Tenant', 'tenant'] } } }),
    /duplicate entry in metadata_keys: "tenant"/,
  );
  assert.match(refusal({ sizer: 'pages' }), /sizer/);
  assert.match(refusal({ batch: { min_items: 5 } }), /min_items/);
  // what otelcol does not check when the queue is off
  assert.equal(sendingQueueSchema.safeParse({ enabled: false, num_consumers: 0 }).success, true);
});

test('blocking, removed from otelcol but still in deployed configs, is block_on_overflow', () => {
  assert.equal(sendingQueueSchema.parse({ blocking: true }).block_on_overflow, true);
  assert.equal(sendingQueueSchema.parse({ blocking: true, block_on_overflow: false }).block_on_overflow, false);
});

test('by default a request is answered once queued; wait_for_result answers once it is exported, with its failure', async () => {
  const r = recorder();
  r.hold();
  const queued = exporter({ sending_queue: { num_consumers: 1 } }, r.push);
  await queued.start(host);
  await queued.consume(spans(1)); // answered while the backend is held
  assert.equal(r.sent.length, 0);
  r.release();
  await queued.shutdown();
  assert.equal(r.sent.length, 1);

  const w = recorder();
  w.hold();
  const waiting = exporter({ sending_queue: { num_consumers: 1, wait_for_result: true } }, w.push);
  await waiting.start(host);
  let answered = false;
  const result = waiting.consume(spans(1)).then(() => (answered = true));
  await until('the request to reach the (held) backend', () => w.state.started === 1);
  await new Promise((r) => setImmediate(r));
  assert.equal(answered, false, 'not answered before the backend took it');
  w.release();
  await result;
  assert.equal(w.sent.length, 1);

  // a permanent refusal by the backend reaches the client
  const failing = exporter({ sending_queue: { wait_for_result: true } }, async () => {
    throw permanent('400 bad data');
  });
  await failing.start(host);
  await assert.rejects(
    failing.consume(spans(2)),
    (err: any) => err.retryable === false && /400 bad data/.test(err.message),
  );
  await Promise.all([waiting.shutdown(), failing.shutdown()]);
});

test('a full queue refuses on accept, retryably, and counts otelcol_exporter_enqueue_failed_spans; a request larger than the queue is refused for good', async () => {
  const { settings, metric } = settingsWithMetrics();
  const r = recorder();
  r.hold();
  const e = exporter({ sending_queue: { num_consumers: 1, queue_size: 10, sizer: 'items' } }, r.push, settings);
  await e.start(host);
  await e.consume(spans(6)); // sending, still counted
  await e.consume(spans(4));
  await assert.rejects(
    e.consume(spans(3)),
    (err: any) => err.retryable === true && /sending queue is full/.test(err.message),
  );
  await assert.rejects(
    e.consume(spans(11)),
    (err: any) => err.retryable === false && /can never fit/.test(err.message),
  );
  assert.equal(await metric('otelcol_exporter_enqueue_failed_spans'), 14);
  // an empty request takes no room and is not sent (otelcol ignores empty envelopes)
  await e.consume(spans(0));
  r.release();
  await e.shutdown();
  assert.deepEqual(
    r.sent.map((b) => b.items),
    [6, 4],
  );
  assert.equal(await metric('otelcol_exporter_sent_spans'), 10);
});

test('the bytes sizer measures the protobuf encoding', async () => {
  const one = spans(1);
  const size = encodeTraces(one.data as Traces).length;
  const r = recorder();
  r.hold();
  const e = exporter({ sending_queue: { num_consumers: 1, queue_size: size * 2, sizer: 'bytes' } }, r.push);
  await e.start(host);
  await e.consume(one);
  await e.consume(spans(1));
  await assert.rejects(e.consume(spans(1)), /sending queue is full/);
  r.release();
  await e.shutdown();
});

test('sending_queue::batch merges queued requests up to min_size, cuts at max_size, and keeps their order', async () => {
  const r = recorder();
  nextSpan = 0;
  const e = exporter({ sending_queue: { batch: { min_size: 10, max_size: 15, flush_timeout: '10s' } } }, r.push);
  await e.start(host);
  for (const n of [4, 4, 4, 12]) await e.consume(spans(n));
  // 4+4+4 = 12 >= 10 leaves at once; 12 alone leaves at once; nothing waits for the timeout
  await until('two batches', () => r.sent.length === 2);
  assert.deepEqual(
    r.sent.map((b) => b.items),
    [12, 12],
  );
  await e.consume(spans(20)); // larger than max_size: cut into 15, and 5 that waits
  await until('the cut batch', () => r.sent.length === 3);
  assert.equal(r.sent[2].items, 15);
  await e.shutdown(); // flushes the 5 left
  assert.deepEqual(
    r.sent.map((b) => b.items),
    [12, 12, 15, 5],
  );
  for (const b of r.sent) assert.equal(spanCount(b.data as Traces), b.items);
  assert.deepEqual(
    r.sent.flatMap(names),
    Array.from({ length: 44 }, (_, i) => `s${i}`),
  );
});

test('sending_queue::batch flushes a batch below min_size after flush_timeout', async () => {
  const r = recorder();
  const e = exporter({ sending_queue: { batch: { min_size: 1000, flush_timeout: '50ms' } } }, r.push);
  await e.start(host);
  const t0 = Date.now();
  await e.consume(spans(3));
  await e.consume(spans(2));
  await until('the timeout flush', () => r.sent.length === 1);
  assert.ok(Date.now() - t0 >= 45, `flushed after ${Date.now() - t0}ms`);
  assert.equal(r.sent[0].items, 5);
  await e.shutdown();
});

test('sending_queue::batch with the bytes sizer keeps every batch within max_size bytes', async () => {
  const r = recorder();
  const perSpan = encodeTraces(spans(100).data as Traces).length / 100;
  const maxSize = Math.round(perSpan * 30);
  const e = exporter(
    {
      sending_queue: {
        batch: { sizer: 'bytes', min_size: Math.round(perSpan * 20), max_size: maxSize, flush_timeout: '10s' },
      },
    },
    r.push,
  );
  await e.start(host);
  for (let i = 0; i < 10; i++) await e.consume(spans(10));
  await e.shutdown();
  assert.equal(
    r.sent.reduce((n, b) => n + b.items, 0),
    100,
  );
  for (const b of r.sent)
    assert.ok(
      encodeTraces(b.data as Traces).length <= maxSize,
      `${encodeTraces(b.data as Traces).length} > ${maxSize}`,
    );
  assert.ok(r.sent.length < 10, `merged: ${r.sent.length} batches`);
});

test('sending_queue::batch::partition keeps clients with different metadata in different batches', async () => {
  const r = recorder();
  const e = exporter(
    { sending_queue: { batch: { min_size: 4, flush_timeout: '10s', partition: { metadata_keys: ['X-Tenant'] } } } },
    r.push,
  );
  await e.start(host);
  const tenant = (t: string) => ({ metadata: { 'x-tenant': [t] } });
  await e.consume(spans(2, tenant('a')));
  await e.consume(spans(2, tenant('b')));
  await e.consume(spans(2, tenant('a')));
  await until('tenant a', () => r.sent.length === 1);
  assert.deepEqual(r.sent[0].client?.metadata, { 'x-tenant': ['a'] });
  assert.equal(r.sent[0].items, 4);
  await e.shutdown();
  assert.deepEqual(
    r.sent.map((b) => [b.client?.metadata?.['x-tenant'][0], b.items]),
    [
      ['a', 4],
      ['b', 2],
    ],
  );
});

test('with batching, a request keeps its room in the queue until the batch carrying it is exported, and wait_for_result waits for that batch', async () => {
  const r = recorder();
  r.hold();
  const e = exporter(
    {
      sending_queue: {
        sizer: 'items',
        queue_size: 10,
        wait_for_result: true,
        batch: { min_size: 5, flush_timeout: '10s' },
      },
    },
    r.push,
  );
  await e.start(host);
  let answered = 0;
  const first = e.consume(spans(3)).then(() => answered++);
  const second = e.consume(spans(3)).then(() => answered++);
  await assert.rejects(e.consume(spans(5)), /sending queue is full/);
  assert.equal(answered, 0);
  r.release();
  await Promise.all([first, second]);
  assert.deepEqual(
    r.sent.map((b) => b.items),
    [6],
  );
  await e.consume(spans(5)); // room again
  await e.shutdown();
});
