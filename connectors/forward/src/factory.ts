import type { ConnectorFactory } from '@flowtel/core';
import { configSchema, type ForwardConfig } from './config.ts';
import { ForwardConnector } from './forward.ts';

export const factory: ConnectorFactory<ForwardConfig> = {
  kind: 'connector',
  type: 'forward',
  description: 'joins pipelines of the same signal',
  stability: {
    'traces->traces': 'beta',
    'metrics->metrics': 'beta',
    'logs->logs': 'beta',
    'profiles->profiles': 'alpha',
  },
  configSchema,
  createConnector: (_settings, _config, consumers) => new ForwardConnector(consumers),
};
