// Debian's Prometheus scrapes the exporter, and what it stores is checked through its HTTP API:
// names and values as the OpenTelemetry <-> Prometheus compatibility spec gives them, job and
// instance from the service attributes (honor_labels: true) or moved to exported_job /
// exported_instance by Prometheus's own rules (honor_labels: false), deltas added up, and
// exemplars through OpenMetrics.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Exporter } from '@flowtel/core';
import { freePort, Prometheus, prometheusBinary, testHost, testSettings, waitFor } from '@flowtel/testkit';
import { configSchema, factory } from '../src/index.ts';
import { attrs, batch, counter, gauge, histogram, histogramPoint, metrics, point } from './support/metrics.ts';

const skip = prometheusBinary() === undefined && !process.env.CI ? 'prometheus is not installed' : false;

describe('scraped by Prometheus', { skip }, () => {
  let prometheus: Prometheus;
  let text: Exporter;
  let om: Exporter;
  let textPort: number;
  let omPort: number;
  const T = Date.now();

  before(async () => {
    textPort = await freePort();
    omPort = await freePort();
    const create = (port: number, extra: Record<string, unknown>) =>
      factory.createExporter(
        testSettings('prometheus', 'exporter'),
        configSchema.parse({ endpoint: `127.0.0.1:${port}`, without_scope_info: true, ...extra }),
        ['metrics'],
      );
    text = create(textPort, {});
    // its own label, so its series are not the text job's
    om = create(omPort, { enable_open_metrics: true, const_labels: { format: 'om' } });
    await text.start(testHost());
    await om.start(testHost());
    const data = () =>
      metrics([
        counter('system.network.io', 'By', [point(T - 60_000, T, 1234, attrs({ direction: 'transmit' }))]),
        gauge('process.memory.utilization', '1', [point(T, T, 0.25)]),
        histogram('http.server.duration', 'ms', [
          histogramPoint(T - 60_000, T, [10, 100], [2, 3, 1], 321.5, attrs({ 'http.method': 'GET' })),
        ]),
        counter('jobs.done', '{job}', [point(T - 20_000, T - 10_000, 3)], true),
      ]);
    await text.consume(batch(data()));
    await text.consume(batch(metrics([counter('jobs.done', '{job}', [point(T - 10_000, T, 4)], true)])));
    const withExemplar = data();
    withExemplar.resourceMetrics[0].scopeMetrics[0].metrics[0].sum!.dataPoints[0].exemplars.push({
      filteredAttributes: [],
      timeUnixNano: BigInt(T) * 1_000_000n,
      asDouble: 42,
      traceId: Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex'),
      spanId: Buffer.from('00f067aa0ba902b7', 'hex'),
    });
    await om.consume(batch(withExemplar));
    const job = (name: string, port: number, honor: boolean) =>
      `  - job_name: ${name}\n    scrape_interval: 1s\n    honor_labels: ${honor}\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`;
    prometheus = await Prometheus.start({
      scrapeConfigs:
        job('flowtel', textPort, true) + job('flowtel-plain', textPort, false) + job('flowtel-om', omPort, true),
    });
  });

  after(async () => {
    await prometheus?.stop();
    await text?.shutdown();
    await om?.shutdown();
  });

  const value = async (expr: string) => {
    const r = await waitFor(
      `${expr} in Prometheus`,
      async () => {
        const result = await prometheus.query(expr, Date.now() / 1000);
        return result.length > 0 && result;
      },
      60_000,
      250,
    );
    return r;
  };

  test('names, values and labels as the spec gives them (honor_labels: true)', async () => {
    const [net] = await value('system_network_io_bytes_total{job="acme/shop",format=""}');
    assert.deepEqual(net.metric, {
      __name__: 'system_network_io_bytes_total',
      direction: 'transmit',
      instance: 'i-1',
      job: 'acme/shop',
    });
    assert.equal(net.value![1], '1234');
    assert.equal((await value('process_memory_utilization_ratio{job="acme/shop",format=""}'))[0].value![1], '0.25');
    const buckets = await value('http_server_duration_milliseconds_bucket{job="acme/shop",format=""}');
    assert.deepEqual(Object.fromEntries(buckets.map((b) => [b.metric.le, b.value![1]])), {
      '10': '2',
      '100': '5',
      '+Inf': '6',
    });
    assert.equal(
      (await value('http_server_duration_milliseconds_sum{job="acme/shop",format=""}'))[0].value![1],
      '321.5',
    );
    assert.equal((await value('http_server_duration_milliseconds_count{job="acme/shop",format=""}'))[0].value![1], '6');
    const [info] = await value('target_info{job="acme/shop",format=""}');
    assert.deepEqual(info.metric, { __name__: 'target_info', host_name: 'h1', instance: 'i-1', job: 'acme/shop' });
    // two deltas that follow on: 3 + 4
    assert.equal((await value('jobs_done_total{job="acme/shop",format=""}'))[0].value![1], '7');
  });

  test("honor_labels: false: Prometheus's job and instance, the exporter's as exported_*", async () => {
    const [net] = await value('system_network_io_bytes_total{job="flowtel-plain"}');
    assert.deepEqual(net.metric, {
      __name__: 'system_network_io_bytes_total',
      direction: 'transmit',
      exported_instance: 'i-1',
      exported_job: 'acme/shop',
      instance: `127.0.0.1:${textPort}`,
      job: 'flowtel-plain',
    });
    assert.equal(net.value![1], '1234');
  });

  test('OpenMetrics: the same values, and the exemplar stored', async () => {
    const start = (T - 120_000) / 1000;
    const exemplars = await waitFor(
      'the exemplar in Prometheus',
      async () => {
        const r = await prometheus.exemplars(
          'system_network_io_bytes_total{format="om"}',
          start,
          Date.now() / 1000 + 60,
        );
        return r.length > 0 && r;
      },
      60_000,
      250,
    );
    const e = exemplars[0].exemplars[0];
    assert.deepEqual(e.labels, { span_id: '00f067aa0ba902b7', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' });
    assert.equal(Number(e.value), 42);
    assert.equal(Math.round(e.timestamp * 1000), T);
    // the OpenMetrics job scraped the same families under the same names
    const [net] = await value('system_network_io_bytes_total{format="om"}');
    assert.equal(net.value![1], '1234');
    assert.equal((await value('http_server_duration_milliseconds_count{format="om"}'))[0].value![1], '6');
  });
});
