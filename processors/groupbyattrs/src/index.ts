export { factory } from './factory.ts';
export { GroupByAttrsProcessor, METRICS } from './groupbyattrs.ts';
export { groupByAttrsConfigSchema, type GroupByAttrsConfig } from './config.ts';
