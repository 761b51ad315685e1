export { factory } from './factory.ts';
export { RedactionProcessor, Redactor } from './redaction.ts';
export { redactionConfigSchema, type RedactionConfig } from './config.ts';
