export { decodeTracesJsonPassThrough, encodeTracesJson, tracesFromJson, tracesToJson } from './traces.ts';
export { decodeMetricsJsonPassThrough, encodeMetricsJson, metricsFromJson, metricsToJson } from './metrics.ts';
export { decodeLogsJsonPassThrough, encodeLogsJson, logsFromJson, logsToJson } from './logs.ts';
export { exportResponseFromJson, exportResponseToJson, type OtlpSignalName } from './response.ts';
