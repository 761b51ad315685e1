export { factory } from './factory.ts';
export { createDebugExporter } from './debug.ts';
export { debugConfigSchema } from './config.ts';
export type { DebugConfig } from './config.ts';
export { logsDetailed, metricsDetailed, tracesDetailed } from './text/detailed.ts';
export { logsNormal, metricsNormal, tracesNormal } from './text/normal.ts';
export { socketDetailed, socketNormal } from './text/socket.ts';
