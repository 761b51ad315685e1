export { decodeTraces, encodeTraces } from './traces.ts';
export { decodeExportResponse, encodeExportResponse } from './response.ts';
