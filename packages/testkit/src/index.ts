export * from './ports.ts';
export * from './collector.ts';
export * from './settings.ts';
export * from './wait.ts';
export * from './certs.ts';
export * from './cli.ts';
export * from './servers.ts';
export * from './otlp-json.ts';
