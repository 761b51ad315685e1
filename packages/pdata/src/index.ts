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
  type KeyValueAndUnit,
  type LogRecord,
  type Logs,
  type Metric,
  type Metrics,
  type NumberDataPoint,
  type PartialSuccess,
  type Profile,
  type ProfileFunction,
  type ProfileLine,
  type ProfileLink,
  type ProfileLocation,
  type ProfileMapping,
  type Profiles,
  type ProfilesDictionary,
  type ProfileSample,
  type ProfileStack,
  type ProfileValueType,
  type Resource,
  type ResourceLogs,
  type ResourceMetrics,
  type ResourceProfiles,
  type ResourceSpans,
  type ScopeLogs,
  type ScopeMetrics,
  type ScopeProfiles,
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
export { deferItems, deferredForm, deferredItems } from './deferred.ts';
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
export {
  readTcpMetrics,
  TCP_METRICS_LAYOUT,
  TcpConnectFailure,
  type TcpMetrics,
  TcpReport,
  writeTcpMetrics,
} from './tcp-metrics.ts';
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
export { decodeProfiles, emptyDictionary, encodeProfiles } from './proto/profiles.ts';
export { encodeProfilesJson, profilesFromJson, profilesToJson } from './json/profiles.ts';
export {
  ProfileHandle,
  ProfilesBuilder,
  type FunctionSpec,
  type LineSpec,
  type LocationSpec,
  type MappingSpec,
  type ProfileSpec,
  type SampleSpec,
  type ValueTypeSpec,
} from './profiles/builder.ts';
export { dictString, profileSampleCount, sampleTypeName, sampleWeight, stackFrames } from './profiles/read.ts';
export { splitLogs, splitMetrics, splitProfiles, splitTraces } from './split.ts';
export { concatLogs, concatMetrics, concatProfiles, concatTraces } from './concat.ts';
export { OTLP_OPS, type OtlpData, type OtlpOps } from './otlp-ops.ts';
export { copyData } from './copy.ts';
export { attributesKey, valueAsString, valueType, type ValueTypeName } from './value-string.ts';
export { SPAN_KIND_NAMES } from './json/traces.ts';
export { STATUS_CODES } from './json/transcode.ts';
export { isReadOnly, markReadOnly } from './read-only.ts';
export { ProtoReader, WireType } from './proto/reader.ts';
export { ProtoWriter } from './proto/writer.ts';
export { GrowableBytes } from './proto/growable-bytes.ts';
export { ProtoStreamWriter } from './proto/stream-writer.ts';
export { ExponentialHistogramRecorder, bucketIndex } from './histogram.ts';
