export { factory } from './factory.ts';
export { CumulativeToDeltaProcessor } from './cumulativetodelta.ts';
export { cumulativeToDeltaConfigSchema, type CumulativeToDeltaConfig } from './config.ts';
