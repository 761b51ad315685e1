// OTLP/JSON written and read by hand, independently of flowtel's codec: what load generators
// send and what tests read back from a file exporter.
import { existsSync, readFileSync } from 'node:fs';

export interface JsonSpan {
  name: string;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
}

/** An ExportTraceServiceRequest of `count` spans named `r<request>s<i>`, one trace per request. */
export function tracesRequestJson(request: number, count: number): string {
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId: request.toString(16).padStart(32, '0'),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: `r${request}s${i}`,
    kind: 2,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000000001000',
  }));
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'load' }, spans }] }],
  });
}

/** The spans in an OTLP/JSON-lines file (the file exporter's output); none when it is absent. */
export function spansInFile(path: string): JsonSpan[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => JSON.parse(line).resourceSpans ?? [])
    .flatMap((rs: { scopeSpans: Array<{ spans: JsonSpan[] }> }) => rs.scopeSpans.flatMap((ss) => ss.spans));
}

export interface JsonPoint {
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  asInt?: string;
  asDouble?: number;
  count?: string;
  sum?: number;
  bucketCounts?: string[];
}
export interface JsonMetric {
  name: string;
  sum?: { dataPoints: JsonPoint[]; aggregationTemporality: number };
  histogram?: { dataPoints: JsonPoint[]; aggregationTemporality: number };
}

/** The metrics in an OTLP/JSON-lines file (the file exporter's output); none when it is absent. */
export function metricsInFile(path: string): JsonMetric[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => JSON.parse(line).resourceMetrics ?? [])
    .flatMap((rm: { scopeMetrics: { metrics: JsonMetric[] }[] }) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
}

/** POSTs each OTLP/JSON request to its path (`/v1/traces`, ...) on 127.0.0.1:port; each must be answered 200. */
export async function postOtlpJson(
  port: number,
  requests: Array<readonly [path: string, body: unknown]>,
): Promise<void> {
  for (const [path, body] of requests) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}: ${await res.text()}`);
  }
}
