export { factory } from './factory.ts';
export { type Config, configSchema } from './config.ts';
export { PrometheusExporter } from './prometheus.ts';
export { goFloat } from './exposition.ts';
