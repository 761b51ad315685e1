// Prometheus as the oracle: Debian's Prometheus and flowtel scrape the same pages (served by
// nginx, in the text format and in OpenMetrics) with the same scrape config; every series
// Prometheus stores must come out of flowtel with the same labels and value, `_created` as
// the start time, exemplars with their trace ids.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Prometheus, prometheusBinary, type RunningServer, startNginx, waitFor } from '@flowtel/testkit';
import { compareWithPrometheus, type Received, samplesOf, seriesKey, startReceiver } from './support.ts';

const NOW_S = Math.floor(Date.now() / 1000);
const STAMPED_MS = (NOW_S - 10) * 1000;

const TEXT_PAGE = String.raw`# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027
http_requests_total{method="post",code="400"} 3
# A comment, and a series with its own timestamp
# TYPE temperature_celsius gauge
temperature_celsius{room="a \"quoted\" name",path="C:\\DIR"} 21.5 ${STAMPED_MS}
metric_without_type_and_labels 12.47
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{handler="/",le="0.05"} 24054
http_request_duration_seconds_bucket{handler="/",le="0.1"} 33444
http_request_duration_seconds_bucket{handler="/",le="1"} 133988
http_request_duration_seconds_bucket{handler="/",le="+Inf"} 144320
http_request_duration_seconds_sum{handler="/"} 53423
http_request_duration_seconds_count{handler="/"} 144320
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.9"} 9001
rpc_duration_seconds{quantile="0.99"} 76656
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
`;

const CREATED_S = NOW_S - 3600;
const OM_PAGE = `# TYPE jobs counter
# HELP jobs Jobs run.
jobs_total{queue="a"} 42
jobs_created{queue="a"} ${CREATED_S}.5
# TYPE room_temperature_celsius gauge
# UNIT room_temperature_celsius celsius
room_temperature_celsius 21.5
# TYPE latency_seconds histogram
# UNIT latency_seconds seconds
latency_seconds_bucket{le="0.1"} 8 # {trace_id="0af7651916cd43dd8448eb211c80319c",span_id="b7ad6b7169203331"} 0.054 ${NOW_S}.25
latency_seconds_bucket{le="1"} 11
latency_seconds_bucket{le="+Inf"} 17
latency_seconds_count 17
latency_seconds_sum 324.5
latency_seconds_created ${CREATED_S}
# TYPE mystery unknown
mystery 7
# EOF
`;

let nginx: RunningServer;
let prom: Prometheus | undefined;
let flowtel: Received;

const jobs = (port: number) =>
  [
    { job_name: 'text', metrics_path: '/text.txt' },
    { job_name: 'om', metrics_path: '/om.txt' },
  ].map((j) => ({
    ...j,
    scrape_interval: '1s',
    scrape_timeout: '1s',
    static_configs: [{ targets: [`127.0.0.1:${port}`] }],
  }));

before(async () => {
  nginx = await startNginx({
    files: { 'text.txt': TEXT_PAGE, 'om.txt': OM_PAGE },
    serverBlock: `location = /om.txt { types {} default_type "application/openmetrics-text; version=1.0.0; charset=utf-8"; }`,
  });
  if (prometheusBinary()) {
    prom = await Prometheus.start({
      scrapeConfigs: jobs(nginx.port)
        .map(
          (j) =>
            `  - job_name: ${j.job_name}\n    scrape_interval: 1s\n    scrape_timeout: 1s\n    metrics_path: ${j.metrics_path}\n    static_configs: [{targets: ['127.0.0.1:${nginx.port}']}]\n`,
        )
        .join(''),
    });
  }
  flowtel = await startReceiver({ config: { scrape_configs: jobs(nginx.port) } });
});

after(async () => {
  await flowtel?.stop();
  await prom?.stop();
  await nginx?.stop();
});

/** The last batch of a job in which it was up. */
function lastScrape(job: string) {
  const mine = flowtel.batches.filter((b) => {
    const s = samplesOf([b]);
    return s.get(seriesKey('up', { job, instance: `127.0.0.1:${nginx.port}` }))?.value === 1;
  });
  return mine.at(-1);
}

for (const job of ['text', 'om']) {
  test(
    `${job}: flowtel has what Prometheus stores, series for series`,
    { skip: !prometheusBinary() && 'prometheus is not installed' },
    async () => {
      const p = prom!;
      await waitFor(
        `Prometheus and flowtel to scrape ${job}`,
        async () =>
          (await p.query(`up{job="${job}"}`, Date.now() / 1000)).length === 1 && lastScrape(job) !== undefined,
        60_000,
      );
      const { compared, created } = await compareWithPrometheus(p, job, [lastScrape(job)!]);
      const ours = samplesOf([lastScrape(job)!]);
      for (const [key, value] of created) {
        // flowtel carries _created as the start time of its family's points
        const family = key.slice(0, key.indexOf('{')).replace(/_created$/, '');
        const partner = [...ours.entries()].find(
          ([k]) => k.startsWith(`${family}_count{`) || k.startsWith(`${family}_total{`),
        );
        assert.ok(partner, `no point for ${key}`);
        assert.equal(partner[1].startMs, Math.round(value * 1000), `start time of ${partner[0]} from ${key}`);
      }
      assert.equal(created.length, job === 'om' ? 2 : 0);
      assert.equal(compared, job === 'text' ? 15 + 3 : 8 + 3);
    },
  );
}

test('text: metadata, types and start times as contrib translates them', async () => {
  await waitFor('a text scrape', async () => lastScrape('text'));
  const batch = lastScrape('text')!;
  const metrics = batch.resourceMetrics[0].scopeMetrics[0].metrics;
  const byName = new Map(metrics.map((m) => [m.name, m]));
  const counter = byName.get('http_requests_total')!;
  assert.equal(counter.description, 'The total number of HTTP requests.');
  assert.equal(counter.sum?.isMonotonic, true);
  assert.equal(counter.sum?.aggregationTemporality, 2);
  assert.ok(byName.get('temperature_celsius')!.gauge);
  assert.equal(byName.get('temperature_celsius')!.gauge!.dataPoints[0].timeUnixNano, BigInt(STAMPED_MS) * 1_000_000n);
  assert.ok(byName.get('metric_without_type_and_labels')!.gauge, 'untyped is a gauge');
  const hist = byName.get('http_request_duration_seconds')!.histogram!.dataPoints[0];
  assert.deepEqual(hist.explicitBounds, [0.05, 0.1, 1]);
  assert.deepEqual(hist.bucketCounts, [24054n, 9390n, 100544n, 10332n]);
  assert.equal(hist.count, 144320n);
  assert.equal(hist.sum, 53423);
  const summary = byName.get('rpc_duration_seconds')!.summary!.dataPoints[0];
  assert.deepEqual(
    summary.quantileValues.map((q) => q.quantile),
    [0.5, 0.9, 0.99],
  );
  // the first scrape's time is every later point's start time (no _created in the text format)
  const first = flowtel.batches.find((b) =>
    b.resourceMetrics[0].scopeMetrics[0].metrics.some((m) => m.name === 'http_requests_total'),
  )!;
  const firstTime = first.resourceMetrics[0].scopeMetrics[0].metrics.find((m) => m.name === 'http_requests_total')!.sum!
    .dataPoints[0].timeUnixNano;
  assert.equal(counter.sum!.dataPoints[0].startTimeUnixNano, firstTime);
  const resource = Object.fromEntries(
    batch.resourceMetrics[0].resource.attributes.map((a) => [a.key, (a.value as { stringValue: string }).stringValue]),
  );
  assert.deepEqual(resource, {
    'service.name': 'text',
    'service.instance.id': `127.0.0.1:${nginx.port}`,
    'server.port': String(nginx.port),
    'url.scheme': 'http',
  });
  assert.equal(
    batch.resourceMetrics[0].scopeMetrics[0].scope.name,
    'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver',
  );
});

test('OpenMetrics: units, _created start times, exemplars with trace and span ids', async () => {
  await waitFor('an OpenMetrics scrape', async () => lastScrape('om'));
  const metrics = lastScrape('om')!.resourceMetrics[0].scopeMetrics[0].metrics;
  const byName = new Map(metrics.map((m) => [m.name, m]));
  assert.deepEqual(
    [...byName.keys()].sort(),
    [
      'jobs_total',
      'latency_seconds',
      'mystery',
      'room_temperature_celsius',
      'scrape_duration_seconds',
      'scrape_samples_post_metric_relabeling',
      'scrape_samples_scraped',
      'scrape_series_added',
      'up',
    ].sort(),
  );
  const jobsPoint = byName.get('jobs_total')!.sum!.dataPoints[0];
  assert.equal(jobsPoint.startTimeUnixNano, BigInt(CREATED_S) * 1_000_000_000n + 500_000_000n);
  assert.equal(jobsPoint.asDouble, 42);
  const latency = byName.get('latency_seconds')!;
  assert.equal(latency.unit, 'seconds');
  const hp = latency.histogram!.dataPoints[0];
  assert.equal(hp.startTimeUnixNano, BigInt(CREATED_S) * 1_000_000_000n);
  assert.equal(hp.exemplars.length, 1);
  const ex = hp.exemplars[0];
  assert.equal(Buffer.from(ex.traceId).toString('hex'), '0af7651916cd43dd8448eb211c80319c');
  assert.equal(Buffer.from(ex.spanId).toString('hex'), 'b7ad6b7169203331');
  assert.equal(ex.asDouble, 0.054);
  assert.equal(ex.timeUnixNano, BigInt(NOW_S) * 1_000_000_000n + 250_000_000n);
  assert.equal(byName.get('room_temperature_celsius')!.unit, 'celsius');
});
