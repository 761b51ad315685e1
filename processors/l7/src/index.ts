export * from './message.ts';
export * from './parser.ts';
export { inferProtocol } from './infer.ts';
export { PROTOCOL_PARSERS } from './protocols/index.ts';
export * as protocols from './protocols/index.ts';
export { REDACTED, redactSql, redactRedisCommand, isSecretHeader } from './redact.ts';
