import type { ProcessorFactory } from '@flowtel/core';
import { resourceDetectionConfigSchema, type ResourceDetectionConfig } from './config.ts';
import { ResourceDetectionProcessor } from './resourcedetection.ts';

export const factory: ProcessorFactory<ResourceDetectionConfig> = {
  kind: 'processor',
  type: 'resource_detection',
  aliases: ['resourcedetection'],
  stability: { traces: 'beta', metrics: 'beta', logs: 'beta' },
  description:
    "detects the host's, container's and cloud instance's resource attributes at start and adds them to every resource",
  configSchema: resourceDetectionConfigSchema,
  // it adds resource attributes in place: where a pipeline fans out, it gets its own copy
  mutatesData: true,
  createProcessor: (settings, config) => new ResourceDetectionProcessor(settings, config),
};
