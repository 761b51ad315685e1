export { concatTracesPassThrough, decodeTraces, decodeTracesPassThrough, encodeTraces } from './traces.ts';
export { concatMetricsPassThrough, decodeMetrics, decodeMetricsPassThrough, encodeMetrics } from './metrics.ts';
export { concatLogsPassThrough, decodeLogs, decodeLogsPassThrough, encodeLogs } from './logs.ts';
export { passThroughBytes } from './pass-through.ts';
export { decodeExportResponse, encodeExportResponse } from './response.ts';
