import type { ConnectorFactory } from '@flowtel/core';
import { configSchema, type SpanMetricsConfig } from './config.ts';
import { SpanMetricsConnector } from './spanmetrics.ts';

export const factory: ConnectorFactory<SpanMetricsConfig> = {
  kind: 'connector',
  type: 'spanmetrics',
  aliases: ['span_metrics'],
  description: 'R.E.D. metrics (calls, duration, events) from spans',
  stability: { 'traces->metrics': 'alpha' },
  configSchema,
  createConnector: (settings, config, consumers) => new SpanMetricsConnector(settings, config, consumers),
};
