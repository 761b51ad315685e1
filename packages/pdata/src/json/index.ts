export { tracesFromJson, tracesToJson, tracesToJsonObject } from './traces.ts';
export { metricsFromJson, metricsToJson, metricsToJsonObject } from './metrics.ts';
export { logsFromJson, logsToJson, logsToJsonObject } from './logs.ts';
export { exportResponseFromJson, exportResponseToJson, type OtlpSignalName } from './response.ts';
