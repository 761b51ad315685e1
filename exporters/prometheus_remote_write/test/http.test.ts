// What goes over the wire and how answers are taken, against a plain HTTP server that plays
// the receiver: the headers remote write requires, retries for 5xx and 429, none for other
// 4xx, no request sent twice when a batch is retried, and the exporter's own metrics.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { factory as bearerTokenAuth } from '@flowtel/extension-bearertokenauth';
import { startTestProxy, testHost, testSettings } from '@flowtel/testkit';
import { snappyCodec } from '../src/compress.ts';
import { factory } from '../src/index.ts';
import { attrs, batchOf, counter, gauge, metricsOf, numberPoint } from './support/metrics.ts';
import { decodeWriteRequest, type DecodedWriteRequest } from './support/prompb.ts';

interface Received {
  headers: IncomingMessage['headers'];
  request: DecodedWriteRequest;
}

/** A receiver whose answers the test scripts: one status per request, 204 once the script runs out. */
class Receiver {
  readonly received: Received[] = [];
  answers: Array<{ status: number; headers?: Record<string, string> }> = [];
  private server!: Server;
  url = '';
  private readonly tls?: { cert: Buffer; key: Buffer };

  constructor(tls?: { cert: Buffer; key: Buffer }) {
    this.tls = tls;
  }

  async start(): Promise<void> {
    const handler: RequestListener = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({
          headers: req.headers,
          request: decodeWriteRequest(snappyCodec().uncompress(Buffer.concat(chunks))),
        });
        const answer = this.answers.shift() ?? { status: 204 };
        res.writeHead(answer.status, answer.headers).end(answer.status >= 400 ? `status ${answer.status}` : undefined);
      });
    };
    this.server = this.tls ? createHttpsServer(this.tls, handler) : createServer(handler);
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const port = (this.server.address() as { port: number }).port;
    this.url = this.tls ? `https://localhost:${port}/api/v1/write` : `http://127.0.0.1:${port}/api/v1/write`;
  }

  reset(): void {
    this.received.length = 0;
    this.answers = [];
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

function sumOf(rm: ResourceMetrics, name: string): number {
  let total = 0;
  for (const sm of rm.scopeMetrics)
    for (const m of sm.metrics)
      if (m.descriptor.name === name) for (const p of m.dataPoints) total += p.value as number;
  return total;
}

const T = Date.now();
const simpleBatch = () => batchOf(metricsOf(attrs({ 'service.name': 'svc' }), [gauge('g', '', [numberPoint(T, 1)])]));

describe('over HTTP', () => {
  const receiver = new Receiver();
  before(() => receiver.start());
  after(() => receiver.stop());

  async function exporterFor(config: Record<string, unknown>, extensions = {}, meterProvider?: MeterProvider) {
    const settings = testSettings('prometheusremotewrite/http', 'exporter');
    if (meterProvider) settings.meter = meterProvider.getMeter('test');
    const e = factory.createExporter(
      settings,
      factory.configSchema.parse({ endpoint: receiver.url, remote_write_queue: { enabled: false }, ...config }),
      ['metrics'],
    );
    await e.start(testHost(extensions));
    return e;
  }

  test("each request carries the headers remote write 1.0 requires, the configured ones and the authenticator's", async () => {
    receiver.reset();
    const auth = bearerTokenAuth.createExtension(
      testSettings('bearertokenauth', 'extension'),
      bearerTokenAuth.configSchema.parse({ token: 's3cret' }),
    );
    await auth.start(testHost());
    const e = await exporterFor(
      { headers: { 'X-Scope-OrgID': 'tenant-1' }, auth: { authenticator: 'bearertokenauth' } },
      { bearertokenauth: auth },
    );
    await e.consume(simpleBatch());
    await e.shutdown();
    await auth.shutdown();
    assert.equal(receiver.received.length, 1);
    const { headers, request } = receiver.received[0];
    assert.equal(headers['content-encoding'], 'snappy');
    assert.equal(headers['content-type'], 'application/x-protobuf');
    assert.equal(headers['x-prometheus-remote-write-version'], '0.1.0');
    assert.match(headers['user-agent']!, /^flowtel\/\d/);
    assert.equal(headers['x-scope-orgid'], 'tenant-1');
    assert.equal(headers.authorization, 'Bearer s3cret');
    assert.deepEqual(request.timeseries[0].labels, [
      { name: '__name__', value: 'g' },
      { name: 'job', value: 'svc' },
    ]);
  });

  test('HTTP_PROXY, then proxy_url: the write requests go through a forward proxy', async () => {
    receiver.reset();
    const proxy = await startTestProxy();
    // a name no resolver knows: only the proxy (which reaches it on loopback) can get there
    const endpoint = receiver.url.replace('127.0.0.1', 'prw.flowtel.test');
    const saved = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = proxy.url;
    const viaEnv = await exporterFor({ endpoint }).finally(() => {
      if (saved === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved;
    });
    const viaConfig = await exporterFor({ endpoint, proxy_url: proxy.url });
    try {
      await viaEnv.consume(simpleBatch());
      await viaConfig.consume(simpleBatch());
      assert.equal(receiver.received.length, 2);
      assert.deepEqual(proxy.forwarded, [endpoint, endpoint]);
    } finally {
      await viaEnv.shutdown();
      await viaConfig.shutdown();
      await proxy.stop();
    }
  });

  test('an auth id that names no authenticator fails start with a clear error', async () => {
    await assert.rejects(
      exporterFor({ auth: { authenticator: 'oauth2client' } }),
      /auth::authenticator: extension "oauth2client" is not configured/,
    );
    await assert.rejects(
      exporterFor({ auth: { authenticator: 'health_check' } }, { health_check: {} }),
      /"health_check" is not a client authenticator/,
    );
  });

  test('5xx and 429 are retried (429 after its Retry-After); other 4xx are permanent and not retried', async () => {
    receiver.reset();
    receiver.answers = [{ status: 503 }, { status: 429, headers: { 'Retry-After': '1' } }];
    const e = await exporterFor({ retry_on_failure: { initial_interval: '10ms', max_interval: '20ms' } });
    const started = Date.now();
    await e.consume(simpleBatch());
    assert.equal(receiver.received.length, 3, '503, 429, then 204');
    assert.ok(Date.now() - started >= 950, 'waited for Retry-After');

    receiver.reset();
    receiver.answers = [{ status: 400 }];
    await assert.rejects(
      e.consume(simpleBatch()),
      (err: Error & { retryable?: boolean }) => err.retryable === false && /HTTP status 400/.test(err.message),
    );
    assert.equal(receiver.received.length, 1, 'a 400 is not retried');
    await e.shutdown();
  });

  test('a retried batch resends only the requests that were not taken', async () => {
    receiver.reset();
    const points = Array.from({ length: 300 }, (_, i) =>
      numberPoint(T, i, attrs({ i: String(i), pad: 'x'.repeat(100) })),
    );
    // ~130 bytes a series: about 6 requests of 8 KB, two at a time
    const e = await exporterFor({
      max_batch_size_bytes: 8000,
      remote_write_queue: { enabled: false, num_consumers: 2 },
      target_info: { enabled: false },
      retry_on_failure: { initial_interval: '10ms' },
    });
    receiver.answers = [{ status: 204 }, { status: 500 }];
    await e.consume(batchOf(metricsOf(attrs({ 'service.name': 'svc' }), [gauge('wide', '', points)])));
    await e.shutdown();
    const values = receiver.received.flatMap((r) => r.request.timeseries.map((s) => s.samples[0].value));
    const requests = receiver.received.length;
    assert.ok(requests >= 5, `${requests} requests`);
    // the one refused request came again; every series arrived exactly once in the accepted ones
    const accepted = receiver.received
      .filter((_, i) => i !== 1)
      .flatMap((r) => r.request.timeseries.map((s) => s.samples[0].value));
    assert.deepEqual(
      [...accepted].sort((a, b) => a - b),
      Array.from({ length: 300 }, (_, i) => i),
    );
    assert.equal(values.length, 300 + receiver.received[1].request.timeseries.length);
  });

  test("dropped points and translation failures are counted in the exporter's metrics", async () => {
    receiver.reset();
    const reader = new PullReader();
    const provider = new MeterProvider({ readers: [reader] });
    const e = await exporterFor({}, {}, provider);
    await e.consume(
      batchOf(
        metricsOf(attrs({ 'service.name': 'svc' }), [
          counter('delta', '', [numberPoint(T, 1), numberPoint(T, 2, attrs({ a: 'b' }))], 'delta'),
          gauge('kept', '', [numberPoint(T, 3)]),
        ]),
      ),
    );
    await e.shutdown();
    const { resourceMetrics } = await reader.collect();
    assert.equal(sumOf(resourceMetrics, 'otelcol_exporter_prometheusremotewrite_dropped_data_points'), 2);
    assert.equal(sumOf(resourceMetrics, 'otelcol_exporter_prometheusremotewrite_failed_translations'), 1);
    assert.equal(
      sumOf(resourceMetrics, 'otelcol_exporter_prometheusremotewrite_translated_time_series'),
      1,
      'only the gauge: no target_info without extra resource attributes',
    );
    assert.equal(sumOf(resourceMetrics, 'otelcol_exporter_prometheusremotewrite_sent_batches'), 1);
    assert.equal(sumOf(resourceMetrics, 'otelcol_exporter_prometheusremotewrite_written_samples'), 1);
    assert.equal(sumOf(resourceMetrics, 'otelcol_exporter_sent_metric_points'), 3);
    await provider.shutdown();
  });

  test('traces or logs are refused: the exporter takes metrics only', async () => {
    assert.deepEqual(Object.keys(factory.stability), ['metrics']);
    const e = await exporterFor({});
    const logs = { signal: 'logs' as const, items: 0, data: { resourceLogs: [] }, ack: simpleBatch().ack };
    await assert.rejects(
      e.consume(logs),
      (err: Error & { retryable?: boolean }) =>
        err.retryable === false && /exports metrics, not logs/.test(err.message),
    );
    await e.shutdown();
  });
});

describe('over HTTPS', () => {
  const hasOpenssl = spawnSync('sh', ['-c', 'command -v openssl']).status === 0;
  const skip = !hasOpenssl && process.env.CI !== 'true' ? 'openssl is not installed (apt-get install openssl)' : false;

  test(
    "tls.ca_file trusts the receiver's certificate; without it the handshake fails and is retried, not dropped",
    { skip },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'flowtel-prw-tls-'));
      try {
        const r = spawnSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-days',
            '1',
            '-subj',
            '/CN=localhost',
            '-addext',
            'subjectAltName=DNS:localhost',
            '-keyout',
            join(dir, 'key.pem'),
            '-out',
            join(dir, 'cert.pem'),
          ],
          { encoding: 'utf8' },
        );
        assert.equal(r.status, 0, r.stderr);
        const receiver = new Receiver({
          cert: readFileSync(join(dir, 'cert.pem')),
          key: readFileSync(join(dir, 'key.pem')),
        });
        await receiver.start();
        try {
          const create = async (tls: Record<string, unknown>) => {
            const config = factory.configSchema.parse({
              endpoint: receiver.url,
              tls,
              remote_write_queue: { enabled: false },
              retry_on_failure: { max_elapsed_time: '300ms', initial_interval: '50ms' },
            });
            const e = factory.createExporter(testSettings('prometheusremotewrite/tls', 'exporter'), config, [
              'metrics',
            ]);
            await e.start(testHost());
            return e;
          };
          const trusted = await create({ ca_file: join(dir, 'cert.pem') });
          await trusted.consume(simpleBatch());
          await trusted.shutdown();
          assert.equal(receiver.received.length, 1);

          const untrusted = await create({});
          await assert.rejects(
            untrusted.consume(simpleBatch()),
            (err: Error & { retryable?: boolean }) => err.retryable === true && /certificate/.test(err.message),
          );
          await untrusted.shutdown();
          assert.equal(receiver.received.length, 1, 'nothing got through without trust');
        } finally {
          await receiver.stop();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
