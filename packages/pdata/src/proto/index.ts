export { decodeTraces, encodeTraces } from './traces.ts';
export { decodeMetrics, encodeMetrics } from './metrics.ts';
export { decodeLogs, encodeLogs } from './logs.ts';
export { decodeExportResponse, encodeExportResponse } from './response.ts';
