export {
  AggregationTemporality,
  type AnyValue,
  type EntityRef,
  type Exemplar,
  type ExponentialHistogram,
  type ExponentialHistogramBuckets,
  type ExponentialHistogramDataPoint,
  type ExportResponse,
  type Gauge,
  type Histogram,
  type HistogramDataPoint,
  type InstrumentationScope,
  type KeyValue,
  type LogRecord,
  type Logs,
  type Metric,
  type Metrics,
  type NumberDataPoint,
  type PartialSuccess,
  type Resource,
  type ResourceLogs,
  type ResourceMetrics,
  type ResourceSpans,
  type ScopeLogs,
  type ScopeMetrics,
  type ScopeSpans,
  type Span,
  type SpanEvent,
  SpanKind,
  type SpanLink,
  type Status,
  StatusCode,
  type Sum,
  type Summary,
  type SummaryDataPoint,
  type Traces,
  type ValueAtQuantile,
} from './model.ts';
export { dataPointCount, logRecordCount, metricDataPoints, spanCount } from './count.ts';
export {
  attr,
  fromAnyValue,
  getAttr,
  newLogRecord,
  newResource,
  newScope,
  newSpan,
  toAnyValue,
  tracesOf,
} from './create.ts';
export { NO_EVENTS, NO_LINKS, STATUS_UNSET, sharedAttr } from './shared.ts';
export { Direction, L4Protocol, type SocketEvent, SocketEventBatch, SocketEventKind, SocketRole } from './socket.ts';
export { DecodeError } from './decode-error.ts';
export { EncodeBuffer } from './encode-buffer.ts';
export {
  concatLogsPassThrough,
  concatMetricsPassThrough,
  concatTracesPassThrough,
  decodeExportResponse,
  decodeLogs,
  decodeLogsPassThrough,
  decodeMetrics,
  decodeMetricsPassThrough,
  decodeTraces,
  decodeTracesPassThrough,
  encodeExportResponse,
  encodeLogs,
  encodeMetrics,
  encodeTraces,
  passThroughBytes,
} from './proto/index.ts';
export {
  decodeLogsJsonPassThrough,
  decodeMetricsJsonPassThrough,
  decodeTracesJsonPassThrough,
  encodeLogsJson,
  encodeMetricsJson,
  encodeTracesJson,
  exportResponseFromJson,
  exportResponseToJson,
  logsFromJson,
  logsToJson,
  metricsFromJson,
  metricsToJson,
  type OtlpSignalName,
  tracesFromJson,
  tracesToJson,
} from './json/index.ts';
export { splitLogs, splitMetrics, splitTraces } from './split.ts';
export { concatLogs, concatMetrics, concatTraces } from './concat.ts';
export { OTLP_OPS, type OtlpData, type OtlpOps } from './otlp-ops.ts';
export { copyData } from './copy.ts';
export { valueAsString, valueType, type ValueTypeName } from './value-string.ts';
export { SPAN_KIND_NAMES } from './json/traces.ts';
export { STATUS_CODES } from './json/transcode.ts';
export { isReadOnly, markReadOnly } from './read-only.ts';
export { ProtoReader, WireType } from './proto/reader.ts';
export { ProtoWriter } from './proto/writer.ts';
export { GrowableBytes } from './proto/growable-bytes.ts';
export { ProtoStreamWriter } from './proto/stream-writer.ts';
export { ExponentialHistogramRecorder, bucketIndex } from './histogram.ts';
