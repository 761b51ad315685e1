export { factory } from './factory.ts';
export { ResourceDetectionProcessor } from './resourcedetection.ts';
export { resourceDetectionConfigSchema, type ResourceDetectionConfig } from './config.ts';
