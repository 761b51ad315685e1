export { factory } from './factory.ts';
export { HealthCheckExtension } from './health_check.ts';
export { healthCheckConfigSchema } from './config.ts';
export type { HealthCheckConfig } from './config.ts';
