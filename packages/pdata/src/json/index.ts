export { encodeTracesJson, tracesFromJson, tracesToJson } from './traces.ts';
export { encodeMetricsJson, metricsFromJson, metricsToJson } from './metrics.ts';
export { encodeLogsJson, logsFromJson, logsToJson } from './logs.ts';
export { exportResponseFromJson, exportResponseToJson, type OtlpSignalName } from './response.ts';
