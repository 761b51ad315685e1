// @flowtel/stanza: contrib's stanza operators for the log receivers (filelog now; the socket
// log receivers later), and the conversion of their entries to OTLP logs.
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
