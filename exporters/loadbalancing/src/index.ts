export { factory } from './factory.ts';
export { HashRing, positionsForEndpoints } from './ring.ts';
export { splitLogs, splitMetrics, splitTraces } from './routing.ts';
