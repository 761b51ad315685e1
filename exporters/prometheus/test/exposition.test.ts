// The page the exporter serves, checked against the OpenTelemetry <-> Prometheus compatibility
// spec (names with unit and type suffixes, job/instance from the service attributes,
// target_info from the resource, otel_scope_* labels) and contrib's accumulator (deltas added
// up, expiry, NO_RECORDED_VALUE).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { after, before, describe, test } from 'node:test';
import type { Exporter } from '@flowtel/core';
import { freePort, makeTestCerts, testHost, testSettings, waitFor } from '@flowtel/testkit';
import { configSchema, factory, goFloat } from '../src/index.ts';
import { attrs, batch, counter, gauge, histogram, histogramPoint, metrics, point } from './support/metrics.ts';

const T = Date.now() - 5_000;

async function startExporter(config: Record<string, unknown> = {}): Promise<{ exporter: Exporter; url: string }> {
  const port = await freePort();
  const exporter = factory.createExporter(
    testSettings('prometheus', 'exporter'),
    configSchema.parse({ endpoint: `127.0.0.1:${port}`, ...config }),
    ['metrics'],
  );
  await exporter.start(testHost());
  return { exporter, url: `http://127.0.0.1:${port}/metrics` };
}

const scrape = async (url: string, accept = 'text/plain') => {
  const res = await fetch(url, { headers: { accept } });
  assert.equal(res.status, 200);
  return { type: res.headers.get('content-type'), body: await res.text() };
};

describe('the page', () => {
  let exporter: Exporter;
  let url: string;
  before(async () => {
    ({ exporter, url } = await startExporter({ const_labels: { env: 'prod' } }));
    await exporter.consume(
      batch(
        metrics([
          counter('system.network.io', 'By', [point(T - 60_000, T, 1234, attrs({ direction: 'transmit' }))]),
          gauge('process.memory.utilization', '1', [point(T, T, 0.25)]),
          histogram('http.server.duration', 'ms', [
            histogramPoint(T - 60_000, T, [10, 100], [2, 3, 1], 321.5, attrs({ 'http.method': 'GET' })),
          ]),
        ]),
      ),
    );
  });
  after(() => exporter.shutdown());

  test('names, types and labels as the compatibility spec writes them', async () => {
    const { type, body } = await scrape(url);
    assert.equal(type, 'text/plain; version=0.0.4; charset=utf-8');
    const lines = body.split('\n');
    const labels = 'env="prod",instance="i-1",job="acme/shop",otel_scope_name="shop.lib",otel_scope_version="1.2"';
    assert.ok(lines.includes('# TYPE system_network_io_bytes_total counter'), body);
    assert.ok(lines.includes('# HELP system_network_io_bytes_total system.network.io help'), body);
    assert.ok(lines.includes(`system_network_io_bytes_total{direction="transmit",${labels}} 1234`), body);
    assert.ok(lines.includes('# TYPE process_memory_utilization_ratio gauge'), body);
    assert.ok(lines.includes(`process_memory_utilization_ratio{${labels}} 0.25`), body);
    assert.ok(lines.includes('# TYPE http_server_duration_milliseconds histogram'), body);
    const h = labels.replace('env="prod",', 'env="prod",http_method="GET",');
    // labels sorted by name, le among them
    const bucket = (le: string) => h.replace('job="acme/shop",', `job="acme/shop",le="${le}",`);
    assert.ok(lines.includes(`http_server_duration_milliseconds_bucket{${bucket('10')}} 2`), body);
    assert.ok(lines.includes(`http_server_duration_milliseconds_bucket{${bucket('100')}} 5`), body);
    assert.ok(lines.includes(`http_server_duration_milliseconds_bucket{${bucket('+Inf')}} 6`), body);
    assert.ok(lines.includes(`http_server_duration_milliseconds_sum{${h}} 321.5`), body);
    assert.ok(lines.includes(`http_server_duration_milliseconds_count{${h}} 6`), body);
    // the resource's other attributes, once, on target_info (no scope labels there)
    assert.ok(lines.includes('# TYPE target_info gauge'), body);
    assert.ok(lines.includes('target_info{env="prod",host_name="h1",instance="i-1",job="acme/shop"} 1'), body);
    // one TYPE line per family, families in name order
    const types = lines.filter((l) => l.startsWith('# TYPE')).map((l) => l.split(' ')[2]);
    assert.deepEqual(types, [...types].sort());
    assert.equal(new Set(types).size, types.length);
  });

  test('OpenMetrics only when enabled and asked for', async () => {
    const { type } = await scrape(url, 'application/openmetrics-text;version=1.0.0,text/plain;q=0.5');
    assert.match(type!, /^text\/plain/);
  });

  test('gzip when the scraper accepts it, the same page inside', async () => {
    const plain = (await scrape(url)).body;
    const res = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.headers.get('content-encoding'), 'gzip');
    // fetch inflates it: the page a gzip scrape gets is the plain one
    assert.equal(await res.text(), plain);
  });

  test('other paths are 404, as the promhttp mux answers', async () => {
    const res = await fetch(url.replace('/metrics', '/'));
    assert.equal(res.status, 404);
  });
});

describe('accumulation', () => {
  test('delta sums are added up when they follow on, and start over after a gap', async () => {
    const { exporter, url } = await startExporter();
    try {
      const delta = (start: number, end: number, v: number) =>
        batch(metrics([counter('jobs.done', '{job}', [point(start, end, v)], true)]));
      await exporter.consume(delta(T - 20_000, T - 10_000, 3));
      await exporter.consume(delta(T - 10_000, T, 4));
      assert.match((await scrape(url)).body, /^jobs_done_total\{[^}]*\} 7$/m);
      await exporter.consume(delta(T + 1000, T + 2000, 5));
      assert.match((await scrape(url)).body, /^jobs_done_total\{[^}]*\} 5$/m);
    } finally {
      await exporter.shutdown();
    }
  });

  test('an older cumulative point does not replace a newer one; NO_RECORDED_VALUE removes the series', async () => {
    const { exporter, url } = await startExporter();
    try {
      await exporter.consume(batch(metrics([gauge('queue.depth', '', [point(T, T, 9)])])));
      await exporter.consume(batch(metrics([gauge('queue.depth', '', [point(T - 1000, T - 1000, 1)])])));
      assert.match((await scrape(url)).body, /^queue_depth\{[^}]*\} 9$/m);
      const stale = point(T + 1, T + 1, 0);
      stale.flags = 1;
      await exporter.consume(batch(metrics([gauge('queue.depth', '', [stale])])));
      assert.doesNotMatch((await scrape(url)).body, /^queue_depth/m);
    } finally {
      await exporter.shutdown();
    }
  });

  test('series expire after metric_expiration without an update', async () => {
    // long enough that the scrape right after the update sees the series on a loaded machine
    const { exporter, url } = await startExporter({ metric_expiration: '2s' });
    try {
      await exporter.consume(batch(metrics([gauge('queue.depth', '', [point(T, T, 9)])])));
      assert.match((await scrape(url)).body, /^queue_depth/m);
      await waitFor(
        'the series to expire',
        async () => !/^queue_depth/m.test((await scrape(url)).body),
        undefined,
        100,
      );
    } finally {
      await exporter.shutdown();
    }
  });
});

describe('options', () => {
  test('namespace, send_timestamps, without_scope_info, resource_to_telemetry_conversion', async () => {
    const { exporter, url } = await startExporter({
      namespace: 'app',
      send_timestamps: true,
      without_scope_info: true,
      resource_to_telemetry_conversion: { enabled: true, exclude_service_attributes: true },
    });
    try {
      await exporter.consume(batch(metrics([gauge('queue.depth', '', [point(T, T, 9)])])));
      const { body } = await scrape(url);
      assert.ok(
        body.split('\n').includes(`app_queue_depth{host_name="h1",instance="i-1",job="acme/shop"} 9 ${T}`),
        body,
      );
      assert.match(body, /^app_target_info\{/m);
    } finally {
      await exporter.shutdown();
    }
  });

  test('resource_constant_labels picks resource attributes by pattern', async () => {
    const { exporter, url } = await startExporter({
      without_scope_info: true,
      resource_constant_labels: { included: ['service.*', 'host.*'], excluded: ['service.instance.id'] },
    });
    try {
      await exporter.consume(batch(metrics([gauge('queue.depth', '', [point(T, T, 9)])])));
      const { body } = await scrape(url);
      assert.ok(
        body
          .split('\n')
          .includes(
            'queue_depth{host_name="h1",instance="i-1",job="acme/shop",service_name="shop",service_namespace="acme"} 9',
          ),
        body,
      );
    } finally {
      await exporter.shutdown();
    }
  });

  test('OpenMetrics: counter family without _total, float values, exemplars, # EOF', async () => {
    const { exporter, url } = await startExporter({ enable_open_metrics: true, without_scope_info: true });
    try {
      const p = point(T - 60_000, T, 3);
      p.exemplars.push({
        filteredAttributes: [],
        timeUnixNano: BigInt(T) * 1_000_000n,
        asDouble: 1,
        traceId: Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex'),
        spanId: Buffer.from('0102030405060708', 'hex'),
      });
      await exporter.consume(batch(metrics([counter('jobs.done', '', [p])])));
      const { type, body } = await scrape(url, 'application/openmetrics-text;version=1.0.0');
      assert.equal(type, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
      const lines = body.split('\n');
      assert.ok(lines.includes('# TYPE jobs_done counter'), body);
      assert.ok(
        lines.includes(
          `jobs_done_total{instance="i-1",job="acme/shop"} 3.0 # {span_id="0102030405060708",trace_id="0102030405060708090a0b0c0d0e0f10"} 1.0 ${goFloat(T / 1000)}`,
        ),
        body,
      );
      assert.equal(lines.at(-2), '# EOF');
    } finally {
      await exporter.shutdown();
    }
  });

  test('floats are written as Go writes them', () => {
    assert.deepEqual([1234, 0.25, 1e6, 1234567, 1e-5, 0.0001, 1e21, -2.5e-7, NaN, Infinity, -Infinity].map(goFloat), [
      '1234',
      '0.25',
      '1e+06',
      '1.234567e+06',
      '1e-05',
      '0.0001',
      '1e+21',
      '-2.5e-07',
      'NaN',
      '+Inf',
      '-Inf',
    ]);
  });

  test('config: endpoint required, contrib defaults, not-yet keys refused with the reason', () => {
    const r = configSchema.safeParse({});
    assert.equal(r.success, false);
    assert.match(JSON.stringify(r.error!.issues), /endpoint is required/);
    const c = configSchema.parse({ endpoint: 'localhost:8889' });
    assert.equal(c.metric_expiration, 300_000);
    assert.equal(c.send_timestamps, false);
    assert.equal(c.add_metric_suffixes, true);
    assert.equal(c.enable_open_metrics, false);
    const q = configSchema.safeParse({ endpoint: 'localhost:8889', sending_queue: { enabled: true } });
    assert.match(JSON.stringify(q.error!.issues), /sending_queue is not in flowtel/);
  });

  test('tls: served over HTTPS with the configured certificate', async () => {
    const certs = makeTestCerts();
    assert.ok(certs, 'openssl is needed for the TLS test');
    const { exporter, url } = await startExporter({
      tls: { cert_file: certs.serverCertFile, key_file: certs.serverKeyFile },
    });
    try {
      await exporter.consume(batch(metrics([gauge('queue.depth', '', [point(T, T, 9)])])));
      const body = await new Promise<string>((resolve, reject) => {
        get(url.replace('http:', 'https:'), { ca: readFileSync(certs.caFile) }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      assert.match(body, /^queue_depth\{[^}]*\} 9$/m);
    } finally {
      await exporter.shutdown();
    }
  });
});
