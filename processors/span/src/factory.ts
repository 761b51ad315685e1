import type { ProcessorFactory } from '@flowtel/core';
import { includeExcludeProblem } from '@flowtel/filter';
import { spanConfigSchema, type SpanConfig } from './config.ts';
import { SpanProcessor } from './span.ts';

export const factory: ProcessorFactory<SpanConfig> = {
  kind: 'processor',
  type: 'span',
  stability: { traces: 'alpha' },
  description: 'names spans from their attributes, extracts attributes from span names, sets span status',
  configSchema: spanConfigSchema,
  // it renames spans and edits their attributes and status in place: where a pipeline fans out, it gets its own copy
  mutatesData: true,
  createProcessor: (settings, config) => new SpanProcessor(settings, config),
  // contrib's span-only include/exclude rules (log_bodies refused, ...), checked at validate
  checkSignal: (config) => includeExcludeProblem(config, 'traces'),
};
