export { factory } from './factory.ts';
export { DATA_REFUSED, MemoryLimiterProcessor } from './memory_limiter.ts';
export { MemoryMonitor, limitsOf, residentMemory } from './monitor.ts';
export { memoryLimiterConfigSchema } from './config.ts';
export type { MemoryLimiterConfig } from './config.ts';
export { totalMemory } from './total-memory.ts';
