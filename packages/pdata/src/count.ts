import type { Logs, Metric, Metrics, Traces } from './model.ts';
import { deferredItems } from './deferred.ts';
import { passThroughItems } from './proto/pass-through.ts';

export function spanCount(traces: Traces): number {
  const known = passThroughItems(traces);
  if (known !== undefined) return known;
  let n = 0;
  for (const rs of traces.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}

export function logRecordCount(logs: Logs): number {
  const known = passThroughItems(logs);
  if (known !== undefined) return known;
  let n = 0;
  for (const rl of logs.resourceLogs) for (const sl of rl.scopeLogs) n += deferredItems(sl) ?? sl.logRecords.length;
  return n;
}

export function metricDataPoints(metric: Metric): number {
  const data = metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
  return data ? data.dataPoints.length : 0;
}

/** otelcol counts metric items as data points. */
export function dataPointCount(metrics: Metrics): number {
  const known = passThroughItems(metrics);
  if (known !== undefined) return known;
  let n = 0;
  for (const rm of metrics.resourceMetrics)
    for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += metricDataPoints(m);
  return n;
}
