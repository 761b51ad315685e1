export * from './consumer.ts';
export * from './component.ts';
export * from './config/types.ts';
export { z } from 'zod';
export * from './exporterhelper.ts';
export * from './telemetry/obs.ts';
