// The three OTLP signals side by side: where they are served and how their requests and
// responses are coded. Receivers and exporters look everything up here by signal.
import type { PipelineSignal } from '@flowtel/core';
import * as pdata from '@flowtel/pdata';
import type { ExportResponse, Logs, Metrics, Traces } from '@flowtel/pdata';

export type OtlpSignal = PipelineSignal;
export const OTLP_SIGNALS: readonly OtlpSignal[] = ['traces', 'metrics', 'logs'];

interface DataOf {
  traces: Traces;
  metrics: Metrics;
  logs: Logs;
}

export interface SignalCodec<S extends OtlpSignal = OtlpSignal> {
  signal: S;
  /** the gRPC method of Export{Trace,Metrics,Logs}Service */
  grpcPath: string;
  /** the default OTLP/HTTP path */
  httpPath: string;
  decode(bytes: Uint8Array): DataOf[S];
  encode(data: DataOf[S]): Uint8Array;
  fromJson(text: string): DataOf[S];
  toJson(data: DataOf[S]): string;
  /** otelcol's item count: spans, data points or log records */
  count(data: DataOf[S]): number;
  decodeResponse(bytes: Uint8Array): ExportResponse;
  encodeResponse(response: ExportResponse): Uint8Array;
  responseFromJson(text: string): ExportResponse;
  responseToJson(response: ExportResponse): string;
}

const service = (pkg: string, name: string) => `/opentelemetry.proto.collector.${pkg}.v1.${name}/Export`;

const shared = {
  decodeResponse: pdata.decodeExportResponse,
  encodeResponse: pdata.encodeExportResponse,
};

export const CODECS: { [S in OtlpSignal]: SignalCodec<S> } = {
  traces: {
    signal: 'traces',
    grpcPath: service('trace', 'TraceService'),
    httpPath: '/v1/traces',
    decode: pdata.decodeTraces,
    encode: pdata.encodeTraces,
    fromJson: pdata.tracesFromJson,
    toJson: pdata.tracesToJson,
    count: pdata.spanCount,
    ...shared,
    responseFromJson: (text) => pdata.exportResponseFromJson('traces', text),
    responseToJson: (r) => pdata.exportResponseToJson('traces', r),
  },
  metrics: {
    signal: 'metrics',
    grpcPath: service('metrics', 'MetricsService'),
    httpPath: '/v1/metrics',
    decode: pdata.decodeMetrics,
    encode: pdata.encodeMetrics,
    fromJson: pdata.metricsFromJson,
    toJson: pdata.metricsToJson,
    count: pdata.dataPointCount,
    ...shared,
    responseFromJson: (text) => pdata.exportResponseFromJson('metrics', text),
    responseToJson: (r) => pdata.exportResponseToJson('metrics', r),
  },
  logs: {
    signal: 'logs',
    grpcPath: service('logs', 'LogsService'),
    httpPath: '/v1/logs',
    decode: pdata.decodeLogs,
    encode: pdata.encodeLogs,
    fromJson: pdata.logsFromJson,
    toJson: pdata.logsToJson,
    count: pdata.logRecordCount,
    ...shared,
    responseFromJson: (text) => pdata.exportResponseFromJson('logs', text),
    responseToJson: (r) => pdata.exportResponseToJson('logs', r),
  },
};

export function codecFor<S extends OtlpSignal>(signal: S): SignalCodec<S> {
  return CODECS[signal] as SignalCodec<S>;
}
