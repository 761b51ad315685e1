export {
  attributeMatchSchema,
  type MatchConfig,
  matchConfigShape,
  type MatchProperties,
  matchPropertiesSchema,
  type RawValue,
  rawValue,
} from './config.ts';
export { createFilterSet, type FilterSet, type FilterSetConfig, type MatchType } from './filterset.ts';
export {
  attributesMatcher,
  ignoredForMetrics,
  includeExcludeProblem,
  type LogSkip,
  logSkipper,
  type MetricSkip,
  metricSkipper,
  type SpanSkip,
  spanSkipper,
} from './matcher.ts';
export { anyValueFromRaw, findAttr, formatFloatF, valuesEqual } from './value.ts';
