// Log records made by the OpenTelemetry JS SDK, for its own OTLP serializer to encode.
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';

export async function sdkLogRecords(): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sdk-logs' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('cross-check', '3.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
  const spanContext = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
  };
  logger.emit({
    timestamp: [1_700_000_000, 5],
    observedTimestamp: [1_700_000_001, 999_999_999],
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: 'disk full: 100% ✗',
    eventName: 'disk.full',
    attributes: { 'disk.path': '/var', 'disk.free': 0, retry: false },
    context: trace.setSpanContext(context.active(), spanContext),
  });
  logger.emit({
    timestamp: [1_700_000_002, 0],
    body: { nested: { list: [1, 'two', true], n: -3.5 }, bytes: Uint8Array.from([1, 2, 3]) },
  });
  logger.emit({ severityNumber: SeverityNumber.DEBUG2 });
  await provider.forceFlush();
  const records = exporter.getFinishedLogRecords();
  await provider.shutdown();
  return records;
}
