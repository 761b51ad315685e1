export * from './collector.ts';
export * from './ports.ts';
export * from './settings.ts';
export * from './cli.ts';
