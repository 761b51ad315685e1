// The batch processor in a running graph, in front of an exporter built on core's exporter
// helper whose backend does not answer: once the sending queue is full, the batch processor
// meets the refusal after it answered its client, logs it and refuses new data on accept, so
// the receiver's clients see the back-pressure (retryable: they keep their data and retry).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Graph,
  Registry,
  createQueuedExporter,
  createTelemetry,
  exporterHelperShape,
  parseYamlSource,
  resolveConfig,
  telemetrySchema,
  z,
  type ExporterFactory,
  type ExporterHelperConfig,
  type ReceiverFactory,
  type Consumers,
} from '@flowtel/core';
import { factory as batch } from '../src/index.ts';
import { CONDITION_TIMEOUT_MS } from '@flowtel/testkit';
import { traces } from './helpers.ts';

const drivers = new Map<string, Consumers>();
const source: ReceiverFactory = {
  kind: 'receiver',
  type: 'source',
  stability: { traces: 'development' },
  configSchema: z.object({}).strict(),
  createReceiver: (s, _c, consumers) => ({
    start: async () => void drivers.set(s.id, consumers),
    shutdown: async () => {},
  }),
};
let pushes = 0;
const releases: Array<() => void> = [];
const stuck: ExporterFactory = {
  kind: 'exporter',
  type: 'stuck',
  stability: { traces: 'development' },
  configSchema: z.object(exporterHelperShape).strict(),
  createExporter: (settings, config: ExporterHelperConfig, signals) =>
    createQueuedExporter({
      settings,
      config,
      signals,
      push: () => (pushes++, new Promise<void>((resolve) => releases.push(resolve))),
      drainTimeoutMs: 0,
    }),
};

test('a full sending queue behind the batch processor reaches clients as retryable refusals on accept', async (t) => {
  const resolved = resolveConfig(
    parseYamlSource(
      'backpressure.yaml',
      `
receivers: {source: {}}
processors: {batch: {timeout: 0}}
exporters: {stuck: {sending_queue: {queue_size: 1, num_consumers: 1}, retry_on_failure: {enabled: false}}}
service:
  pipelines:
    traces: {receivers: [source], processors: [batch], exporters: [stuck]}
`,
      process.cwd(),
    ),
    new Registry().add(source).add(batch).add(stuck),
  );
  const telemetry = await createTelemetry(
    telemetrySchema.parse({ metrics: { level: 'none' }, logs: { level: 'error' } }),
    {
      command: 'test',
      version: '0',
    },
  );
  const graph = new Graph(resolved, telemetry);
  await graph.start();
  t.after(async () => {
    for (const release of releases) release();
    await graph.shutdown();
  });
  const consumer = drivers.get('source')!.traces!;
  const send = () => consumer.consume({ signal: 'traces', data: traces('app', 1), items: 1 });

  // clients are answered as soon as the batch processor takes their data; the queue (room for
  // one request, held until the backend answers) soon refuses one of its outgoing batches, after
  // that batch's client was answered: from then on clients are refused on accept
  let answered = 0;
  let refusal: (Error & { retryable?: boolean }) | undefined;
  const deadline = Date.now() + CONDITION_TIMEOUT_MS;
  while (!refusal) {
    refusal = await send().then(
      () => void answered++,
      (err: Error) => err,
    );
    assert.ok(refusal || Date.now() < deadline, 'a client is refused once the queue is full');
    if (!refusal) await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(answered >= 2, `${answered} clients were answered before the queue filled`);
  assert.equal(refusal.retryable, true);
  assert.match(refusal.message, /refusing data: sending queue is full/);
  assert.equal(pushes, 1, 'the backend still holds the first request');
});
