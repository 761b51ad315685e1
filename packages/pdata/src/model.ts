// The OTLP v1 data model, field for field. Shapes mirror the protobuf messages so that
// codecs stay mechanical: 64-bit integers are bigint (never a lossy double), ids and bytes
// are Uint8Array, enums are plain numbers.

export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: bigint }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } }
  | { bytesValue: Uint8Array }
  | Record<string, never>;

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface EntityRef {
  schemaUrl: string;
  type: string;
  idKeys: string[];
  descriptionKeys: string[];
}

export interface Resource {
  attributes: KeyValue[];
  droppedAttributesCount: number;
  entityRefs: EntityRef[];
}

export interface InstrumentationScope {
  name: string;
  version: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

// ---- traces ----

export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;

export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
}

export interface Status {
  message: string;
  code: number;
}

export interface Span {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  parentSpanId: Uint8Array;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: Status;
}

export interface ScopeSpans {
  scope: InstrumentationScope;
  spans: Span[];
  schemaUrl: string;
}

export interface ResourceSpans {
  resource: Resource;
  scopeSpans: ScopeSpans[];
  schemaUrl: string;
}

/** ExportTraceServiceRequest / TracesData. */
export interface Traces {
  resourceSpans: ResourceSpans[];
}

// ---- metrics ----

export const AggregationTemporality = { UNSPECIFIED: 0, DELTA: 1, CUMULATIVE: 2 } as const;

export interface Exemplar {
  filteredAttributes: KeyValue[];
  timeUnixNano: bigint;
  /** exactly one of asDouble / asInt is set */
  asDouble?: number;
  asInt?: bigint;
  spanId: Uint8Array;
  traceId: Uint8Array;
}

export interface NumberDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  asDouble?: number;
  asInt?: bigint;
  exemplars: Exemplar[];
  flags: number;
}

export interface HistogramDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum?: number;
  bucketCounts: bigint[];
  explicitBounds: number[];
  exemplars: Exemplar[];
  flags: number;
  min?: number;
  max?: number;
}

export interface ExponentialHistogramBuckets {
  offset: number;
  bucketCounts: bigint[];
}

export interface ExponentialHistogramDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum?: number;
  scale: number;
  zeroCount: bigint;
  positive: ExponentialHistogramBuckets;
  negative: ExponentialHistogramBuckets;
  flags: number;
  exemplars: Exemplar[];
  min?: number;
  max?: number;
  zeroThreshold: number;
}

export interface ValueAtQuantile {
  quantile: number;
  value: number;
}

export interface SummaryDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum: number;
  quantileValues: ValueAtQuantile[];
  flags: number;
}

export interface Gauge {
  dataPoints: NumberDataPoint[];
}
export interface Sum {
  dataPoints: NumberDataPoint[];
  aggregationTemporality: number;
  isMonotonic: boolean;
}
export interface Histogram {
  dataPoints: HistogramDataPoint[];
  aggregationTemporality: number;
}
export interface ExponentialHistogram {
  dataPoints: ExponentialHistogramDataPoint[];
  aggregationTemporality: number;
}
export interface Summary {
  dataPoints: SummaryDataPoint[];
}

export interface Metric {
  name: string;
  description: string;
  unit: string;
  /** exactly one of the five data fields is set */
  gauge?: Gauge;
  sum?: Sum;
  histogram?: Histogram;
  exponentialHistogram?: ExponentialHistogram;
  summary?: Summary;
  metadata: KeyValue[];
}

export interface ScopeMetrics {
  scope: InstrumentationScope;
  metrics: Metric[];
  schemaUrl: string;
}

export interface ResourceMetrics {
  resource: Resource;
  scopeMetrics: ScopeMetrics[];
  schemaUrl: string;
}

/** ExportMetricsServiceRequest / MetricsData. */
export interface Metrics {
  resourceMetrics: ResourceMetrics[];
}

// ---- logs ----

export interface LogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
  traceId: Uint8Array;
  spanId: Uint8Array;
  eventName: string;
}

export interface ScopeLogs {
  scope: InstrumentationScope;
  logRecords: LogRecord[];
  schemaUrl: string;
}

export interface ResourceLogs {
  resource: Resource;
  scopeLogs: ScopeLogs[];
  schemaUrl: string;
}

/** ExportLogsServiceRequest / LogsData. */
export interface Logs {
  resourceLogs: ResourceLogs[];
}

/** ExportXServiceResponse.partial_success */
export interface PartialSuccess {
  rejected: bigint;
  errorMessage: string;
}

/** ExportTraceServiceResponse / ExportMetricsServiceResponse / ExportLogsServiceResponse:
 * the three share one shape (the rejected count names spans, data points or log records). */
export interface ExportResponse {
  partialSuccess?: PartialSuccess;
}

// ---- profiles (opentelemetry-proto v1.11.0, profiles/v1development) ----
// Every *Index / *Strindex is a position in the request's ProfilesDictionary; entry 0 of each
// table is its zero value ("" for strings), so index 0 means "none".

export interface ProfileValueType {
  typeStrindex: number;
  unitStrindex: number;
}

export interface ProfileSample {
  stackIndex: number;
  attributeIndices: number[];
  linkIndex: number;
  values: bigint[];
  timestampsUnixNano: bigint[];
}

export interface Profile {
  sampleType: ProfileValueType;
  samples: ProfileSample[];
  timeUnixNano: bigint;
  durationNano: bigint;
  periodType: ProfileValueType;
  period: bigint;
  /** 16 bytes, or empty */
  profileId: Uint8Array;
  droppedAttributesCount: number;
  originalPayloadFormat: string;
  originalPayload: Uint8Array;
  attributeIndices: number[];
}

export interface ProfileMapping {
  memoryStart: bigint;
  memoryLimit: bigint;
  fileOffset: bigint;
  filenameStrindex: number;
  attributeIndices: number[];
}

export interface ProfileLine {
  functionIndex: number;
  line: bigint;
  column: bigint;
}

export interface ProfileLocation {
  mappingIndex: number;
  address: bigint;
  /** inlined functions first, their caller last */
  lines: ProfileLine[];
  attributeIndices: number[];
}

export interface ProfileFunction {
  nameStrindex: number;
  systemNameStrindex: number;
  filenameStrindex: number;
  startLine: bigint;
}

export interface ProfileLink {
  traceId: Uint8Array;
  spanId: Uint8Array;
}

export interface ProfileStack {
  /** the leaf frame first */
  locationIndices: number[];
}

export interface KeyValueAndUnit {
  keyStrindex: number;
  value: AnyValue;
  unitStrindex: number;
}

export interface ProfilesDictionary {
  mappingTable: ProfileMapping[];
  locationTable: ProfileLocation[];
  functionTable: ProfileFunction[];
  linkTable: ProfileLink[];
  stringTable: string[];
  attributeTable: KeyValueAndUnit[];
  stackTable: ProfileStack[];
}

export interface ScopeProfiles {
  scope: InstrumentationScope;
  profiles: Profile[];
  schemaUrl: string;
}

export interface ResourceProfiles {
  resource: Resource;
  scopeProfiles: ScopeProfiles[];
  schemaUrl: string;
}

/** ExportProfilesServiceRequest / ProfilesData: the dictionary is shared by every profile in it. */
export interface Profiles {
  resourceProfiles: ResourceProfiles[];
  dictionary: ProfilesDictionary;
}
