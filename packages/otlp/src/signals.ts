// The four OTLP signals side by side: where they are served and how their requests and
// responses are coded. Receivers and exporters look everything up here by signal.
import type { PipelineSignal } from '@flowtel/core';
import {
  dataPointCount,
  decodeExportResponse,
  decodeLogs,
  decodeProfiles,
  decodeLogsJsonPassThrough,
  decodeLogsPassThrough,
  decodeMetrics,
  decodeMetricsJsonPassThrough,
  decodeMetricsPassThrough,
  decodeTraces,
  decodeTracesJsonPassThrough,
  decodeTracesPassThrough,
  encodeExportResponse,
  encodeLogs,
  encodeProfiles,
  encodeProfilesJson,
  profileSampleCount,
  profilesFromJson,
  encodeMetrics,
  encodeTraces,
  exportResponseFromJson,
  exportResponseToJson,
  logRecordCount,
  logsFromJson,
  encodeLogsJson,
  metricsFromJson,
  encodeMetricsJson,
  spanCount,
  tracesFromJson,
  encodeTracesJson,
  type ExportResponse,
  type Logs,
  type Profiles,
  type Metrics,
  type Traces,
} from '@flowtel/pdata';

export type OtlpSignal = PipelineSignal;
export const OTLP_SIGNALS: readonly OtlpSignal[] = ['traces', 'metrics', 'logs', 'profiles'];

interface DataOf {
  traces: Traces;
  metrics: Metrics;
  logs: Logs;
  profiles: Profiles;
}

export interface SignalCodec<S extends OtlpSignal = OtlpSignal> {
  signal: S;
  /** the gRPC method of Export{Trace,Metrics,Logs}Service */
  grpcPath: string;
  /** the default OTLP/HTTP path */
  httpPath: string;
  decode(bytes: Uint8Array): DataOf[S];
  /** decode's check, keeping the bytes to send on unchanged while nothing looks at the data */
  decodePassThrough(bytes: Uint8Array): DataOf[S];
  encode(data: DataOf[S]): Uint8Array;
  fromJson(text: string): DataOf[S];
  /**
   * fromJson's check, keeping the data as the protobuf bytes of the same request (pass-through);
   * a request body's UTF-8 bytes are read without becoming a string first where they can be
   */
  fromJsonPassThrough(body: string | Uint8Array): DataOf[S];
  /** OTLP/JSON, UTF-8 encoded */
  encodeJson(data: DataOf[S]): Uint8Array;
  /** otelcol's item count: spans, data points or log records */
  count(data: DataOf[S]): number;
  decodeResponse(bytes: Uint8Array): ExportResponse;
  encodeResponse(response: ExportResponse): Uint8Array;
  responseFromJson(text: string): ExportResponse;
  responseToJson(response: ExportResponse): string;
}

const service = (pkg: string, name: string) => `/opentelemetry.proto.collector.${pkg}.v1.${name}/Export`;

const shared = {
  decodeResponse: decodeExportResponse,
  encodeResponse: encodeExportResponse,
};

export const CODECS: { [S in OtlpSignal]: SignalCodec<S> } = {
  traces: {
    signal: 'traces',
    grpcPath: service('trace', 'TraceService'),
    httpPath: '/v1/traces',
    decode: decodeTraces,
    decodePassThrough: decodeTracesPassThrough,
    encode: encodeTraces,
    fromJson: tracesFromJson,
    fromJsonPassThrough: decodeTracesJsonPassThrough,
    encodeJson: encodeTracesJson,
    count: spanCount,
    ...shared,
    responseFromJson: (text) => exportResponseFromJson('traces', text),
    responseToJson: (r) => exportResponseToJson('traces', r),
  },
  metrics: {
    signal: 'metrics',
    grpcPath: service('metrics', 'MetricsService'),
    httpPath: '/v1/metrics',
    decode: decodeMetrics,
    decodePassThrough: decodeMetricsPassThrough,
    encode: encodeMetrics,
    fromJson: metricsFromJson,
    fromJsonPassThrough: decodeMetricsJsonPassThrough,
    encodeJson: encodeMetricsJson,
    count: dataPointCount,
    ...shared,
    responseFromJson: (text) => exportResponseFromJson('metrics', text),
    responseToJson: (r) => exportResponseToJson('metrics', r),
  },
  logs: {
    signal: 'logs',
    grpcPath: service('logs', 'LogsService'),
    httpPath: '/v1/logs',
    decode: decodeLogs,
    decodePassThrough: decodeLogsPassThrough,
    encode: encodeLogs,
    fromJson: logsFromJson,
    fromJsonPassThrough: decodeLogsJsonPassThrough,
    encodeJson: encodeLogsJson,
    count: logRecordCount,
    ...shared,
    responseFromJson: (text) => exportResponseFromJson('logs', text),
    responseToJson: (r) => exportResponseToJson('logs', r),
  },
  // profiles have no pass-through: their dictionary makes joining requests a re-index, not a concatenation
  profiles: {
    signal: 'profiles',
    grpcPath: '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export',
    httpPath: '/v1development/profiles',
    decode: decodeProfiles,
    decodePassThrough: decodeProfiles,
    encode: encodeProfiles,
    fromJson: profilesFromJson,
    // no bytes-to-proto path for profiles: the body is parsed as JSON text
    fromJsonPassThrough: (body) =>
      profilesFromJson(
        typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'),
      ),
    encodeJson: encodeProfilesJson,
    count: profileSampleCount,
    ...shared,
    responseFromJson: (text) => exportResponseFromJson('profiles', text),
    responseToJson: (r) => exportResponseToJson('profiles', r),
  },
};

export function codecFor<S extends OtlpSignal>(signal: S): SignalCodec<S> {
  return CODECS[signal] as SignalCodec<S>;
}
