// @flowtel/stanza: contrib's stanza operators for the log receivers, what those receivers share
// (splitting, encodings, retries, attributes), and the conversion of their entries to OTLP logs.
export { byteSize, expression, field, operatorsSchema, type OperatorConfig, operatorSchemas, regex } from './config.ts';
export { toAnyValue, toKeyValues, toLogRecord, toLogs } from './convert.ts';
export {
  copyEntry,
  type Entry,
  type Field,
  getField,
  newEntry,
  parseField,
  setField,
  severityName,
  type Value,
  type ValueMap,
} from './entry.ts';
export { compileExpr, type Expr, ExprError } from './expr.ts';
export { type OperatorContext } from './operator.ts';
export { goUnquote } from './operators.ts';
export { Pipeline } from './pipeline.ts';
export { GoTimeLayout, loadZone, parseEpoch, strptimeToGo, TimeParseError } from './timeparse.ts';
export {
  Attributer,
  encodingProblem,
  encodingSchema,
  LogDelivery,
  multilineSchema,
  pauseUnless,
  receiverShape,
  type RetryConfig,
  RETRY_DEFAULTS,
  retrySchema,
  tcpInputShape,
  udpInputShape,
} from './receiver.ts';
export { type SplitOptions, Splitter } from './split.ts';
export { octetCountingSplit, parseRfc3164, parseRfc5424, SyslogError, type SyslogMessage } from './syslog.ts';
export {
  type SocketInputConfig,
  type SocketInputSettings,
  SocketLogReceiver,
  TcpLogInput,
  UdpLogInput,
} from './socket-input.ts';
export { syslogChecks, syslogShape } from './config.ts';
