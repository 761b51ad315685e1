export { factory } from './factory.ts';
export { type PrometheusReceiverConfig, prometheusReceiverConfigSchema } from './config.ts';
export { PrometheusReceiver, ScrapePool } from './prometheus.ts';
export { relabel, type Labels } from './relabel.ts';
export { buildTarget, parseTargetGroups } from './discovery.ts';
