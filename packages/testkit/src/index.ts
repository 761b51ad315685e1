export * from './ports.ts';
export * from './collector.ts';
