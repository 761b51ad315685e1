import type { ProcessorFactory } from '@flowtel/core';
import { groupByAttrsConfigSchema, type GroupByAttrsConfig } from './config.ts';
import { GroupByAttrsProcessor, METRICS } from './groupbyattrs.ts';

export const factory: ProcessorFactory<GroupByAttrsConfig> = {
  kind: 'processor',
  type: 'groupbyattrs',
  stability: { traces: 'beta', metrics: 'beta', logs: 'beta' },
  description: 'moves chosen item attributes to the resource and regroups items under matching resources and scopes',
  configSchema: groupByAttrsConfigSchema,
  metrics: Object.values(METRICS).flat(),
  // it builds a new batch out of the items it moves: fanned out, it gets its own copy
  mutatesData: true,
  createProcessor: (settings, config) => new GroupByAttrsProcessor(settings, config),
};
