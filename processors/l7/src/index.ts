export {
  type AttributeValue,
  type L7Message,
  type MessageKind,
  type ResponseStatus,
  statusFromHttpCode,
  type TraceContextHeaders,
} from './message.ts';
export {
  DEFAULT_PARSE_OPTIONS,
  type Direction,
  failure,
  isFailure,
  NEED_MORE_DATA,
  type NeedMoreData,
  type ParseFailure,
  parseOptions,
  type ParseOptions,
  type ParseResult,
  type ProtocolParser,
} from './parser.ts';
export { inferProtocol } from './infer.ts';
export { PROTOCOL_PARSERS } from './protocols/index.ts';
export * as protocols from './protocols/index.ts';
export { REDACTED, redactSql, redactRedisCommand, isSecretHeader } from './redact.ts';
export { factory } from './factory.ts';
export { L7Engine, type EngineOptions, type EngineCounters } from './engine.ts';
export type { L7Record, ConnectionInfo, SpanIds } from './record.ts';
export { SCOPE_NAME } from './output/describe.ts';
export { recordsToLogs } from './output/logs.ts';
export { recordsToTraces } from './output/spans.ts';
export { RedAggregator, DURATION_BUCKETS } from './output/red.ts';
