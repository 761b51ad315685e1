// Spans made by the OpenTelemetry JS SDK, to be serialized by its own OTLP serializer: an
// encoder we did not write, the one the SDK's exporters send to us.
import { context, SpanKind, SpanStatusCode, trace, TraceFlags, type HrTime } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

export async function sdkSpans(): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sdk-test', 'process.pid': 4242, 'host.arch': 'amd64' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('cross-check', '9.8.7', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
  const other = provider.getTracer('second-scope');
  const start: HrTime = [1_700_000_000, 123_456_789];
  const parent = tracer.startSpan('parent', {
    kind: SpanKind.SERVER,
    startTime: start,
    attributes: {
      'http.method': 'GET',
      'http.status_code': 200,
      ratio: 0.25,
      ok: true,
      tags: ['a', 'b'],
      codes: [1, -2, 3],
    },
    links: [
      {
        context: {
          traceId: '0af7651916cd43dd8448eb211c80319c',
          spanId: 'b7ad6b7169203331',
          traceFlags: TraceFlags.SAMPLED,
          isRemote: true,
          traceState: new TraceState('rojo=00f067aa0ba902b7'),
        },
        attributes: { 'link.kind': 'follows' },
      },
    ],
  });
  parent.addEvent('started', { step: 1 }, [1_700_000_000, 500_000_000]);
  parent.addEvent('bare', undefined, [1_700_000_001, 0]);
  parent.setStatus({ code: SpanStatusCode.ERROR, message: 'it failed' });
  const child = tracer.startSpan(
    'child',
    { kind: SpanKind.CLIENT, startTime: [1_700_000_000, 600_000_000] },
    trace.setSpan(context.active(), parent),
  );
  child.setAttribute('db.statement', 'SELECT 1 -- grüße');
  child.end([1_700_000_000, 700_000_001]);
  parent.end([1_700_000_002, 999_999_999]);
  const lone = other.startSpan('lone', { kind: SpanKind.PRODUCER, startTime: [1_700_000_003, 1] });
  lone.end([1_700_000_003, 2]);
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}
