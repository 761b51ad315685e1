import type { ConnectorFactory } from '@flowtel/core';
import { routingConfigSchema, type RoutingConfig } from './config.ts';
import { RoutingConnector } from './routing.ts';

export const factory: ConnectorFactory<RoutingConfig> = {
  kind: 'connector',
  type: 'routing',
  stability: { 'traces->traces': 'alpha', 'metrics->metrics': 'alpha', 'logs->logs': 'alpha' },
  description:
    'sends each resource, span, log record, metric or data point to the pipelines of the first route it matches',
  configSchema: routingConfigSchema,
  // routes take what they match out of the batch
  mutatesData: true,
  createConnector: (settings, config, consumers) => new RoutingConnector(settings, config, consumers),
};
