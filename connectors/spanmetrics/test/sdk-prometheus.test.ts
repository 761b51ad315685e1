// The OpenTelemetry JS SDK's spans over OTLP/gRPC into a flowtel child process
// (`otlp -> spanmetrics -> prometheus`), scraped by Debian's Prometheus: the calls and duration
// series under the names the OTel-to-Prometheus translation gives contrib's metrics
// (traces_span_metrics_calls_total, traces_span_metrics_duration_milliseconds_bucket), with the
// span counts, bucket counts and sums worked out from the spans' set durations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { connectorScrapedByPrometheus, prometheusBinary } from '@flowtel/testkit';
import { sdkTracerProvider } from '@flowtel/testkit/sdk';

const skip = prometheusBinary() === undefined && !process.env.CI ? 'prometheus is not installed' : false;

test(
  'JS SDK spans through otlp -> spanmetrics -> prometheus, scraped by Prometheus',
  { skip, timeout: 300_000 },
  async (t) => {
    const { grpc, prometheus } = await connectorScrapedByPrometheus(
      t,
      'span_metrics',
      `
    metrics_flush_interval: 1s
    dimensions:
      - name: http.request.method
        default: GET
`,
    );

    const provider = sdkTracerProvider(grpc, { 'service.name': 'shop' });
    const tracer = provider.getTracer('test');
    const T = 1_700_000_000;
    // durations set by the test: 3 ms, 3 ms and 120 ms OK, one of 7 ms failed and a POST
    const spanOf = (ms: number, opts: { error?: boolean; method?: string } = {}) => {
      const span = tracer.startSpan('GET /cart', {
        kind: SpanKind.SERVER,
        startTime: [T, 0],
        attributes: opts.method ? { 'http.request.method': opts.method } : {},
      });
      if (opts.error) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end([T, ms * 1_000_000]);
    };
    spanOf(3);
    spanOf(3);
    spanOf(120);
    spanOf(7, { error: true });
    spanOf(1, { method: 'POST' });
    await provider.forceFlush();
    await provider.shutdown();

    const query = (expr: string, want: number) => prometheus.waitForValue(expr, want);
    const ok = 'service_name="shop",span_name="GET /cart",span_kind="SPAN_KIND_SERVER"';
    const [calls] = await query(
      `traces_span_metrics_calls_total{${ok},status_code="STATUS_CODE_UNSET",http_request_method="GET"}`,
      3,
    );
    // the resource's service.name is the exporter's job label, which Prometheus (honor_labels: false) moves aside
    assert.equal(calls.metric.exported_job, 'shop');
    await query(`traces_span_metrics_calls_total{${ok},status_code="STATUS_CODE_ERROR"}`, 1);
    await query(`traces_span_metrics_calls_total{${ok},http_request_method="POST"}`, 1);
    const get = `${ok},status_code="STATUS_CODE_UNSET",http_request_method="GET"`;
    // contrib's default buckets in ms: 3 ms in (2, 4], 120 ms in (100, 200]
    await query(`traces_span_metrics_duration_milliseconds_bucket{${get},le="2"}`, 0);
    await query(`traces_span_metrics_duration_milliseconds_bucket{${get},le="4"}`, 2);
    await query(`traces_span_metrics_duration_milliseconds_bucket{${get},le="100"}`, 2);
    await query(`traces_span_metrics_duration_milliseconds_bucket{${get},le="200"}`, 3);
    await query(`traces_span_metrics_duration_milliseconds_bucket{${get},le="+Inf"}`, 3);
    await query(`traces_span_metrics_duration_milliseconds_sum{${get}}`, 126);
    await query(`traces_span_metrics_duration_milliseconds_count{${get}}`, 3);
  },
);
