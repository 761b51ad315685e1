export { factory } from './factory.ts';
export { type Config, configSchema } from './config.ts';
export { HostMetricsReceiver } from './hostmetrics.ts';
export { SCRAPER_METRICS } from './metadata.ts';
