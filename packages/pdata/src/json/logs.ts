// logs.proto in OTLP/JSON.
import type { LogRecord, Logs } from '../model.ts';
import { LOGS_LAYOUT } from '../signal-layout.ts';
import { anyValueFromJson, anyValueToJson, attributesFromJson, keyValueToJson } from './common.ts';
import { envelopeFromJson, envelopeToJsonObject, type JsonSignal } from './envelope.ts';
import { asObject, enumField, field, idField, int64Field, JsonOut, stringField, uint32Field, type JsonObject } from './values.ts';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
/** SEVERITY_NUMBER_UNSPECIFIED, then SEVERITY_NUMBER_TRACE, _TRACE2.._TRACE4, _DEBUG, ... _FATAL4 */
const SEVERITY_NUMBERS = [
  'SEVERITY_NUMBER_UNSPECIFIED',
  ...LEVELS.flatMap((level) => [1, 2, 3, 4].map((n) => `SEVERITY_NUMBER_${level}${n === 1 ? '' : n}`)),
];

const LOGS: JsonSignal<LogRecord> = { layout: LOGS_LAYOUT, itemFromJson: logRecordFromJson, itemToJson: logRecordToJson };

export function logsFromJson(input: string | object): Logs {
  return envelopeFromJson(input, LOGS, 'logs') as unknown as Logs;
}

export function logsToJson(data: Logs): string {
  return JSON.stringify(logsToJsonObject(data));
}

export function logsToJsonObject(data: Logs): JsonObject {
  return envelopeToJsonObject(data, LOGS);
}

function logRecordFromJson(value: unknown, path: string): LogRecord {
  const o = asObject(value, path);
  const body = field(o, 'body');
  return {
    timeUnixNano: int64Field(o, 'timeUnixNano', path),
    observedTimeUnixNano: int64Field(o, 'observedTimeUnixNano', path),
    severityNumber: enumField(o, 'severityNumber', path, SEVERITY_NUMBERS),
    severityText: stringField(o, 'severityText', path),
    body: body === undefined ? {} : anyValueFromJson(body, `${path}.body`),
    attributes: attributesFromJson(o, 'attributes', path),
    droppedAttributesCount: uint32Field(o, 'droppedAttributesCount', path),
    flags: uint32Field(o, 'flags', path),
    traceId: idField(o, 'traceId', path, 16),
    spanId: idField(o, 'spanId', path, 8),
    eventName: stringField(o, 'eventName', path),
  };
}

// ---- output ----

function logRecordToJson(r: LogRecord): JsonObject {
  return new JsonOut()
    .int64('timeUnixNano', r.timeUnixNano)
    .int64('observedTimeUnixNano', r.observedTimeUnixNano)
    .num('severityNumber', r.severityNumber)
    .str('severityText', r.severityText)
    .message('body', anyValueToJson(r.body))
    .list('attributes', r.attributes, keyValueToJson)
    .num('droppedAttributesCount', r.droppedAttributesCount)
    .num('flags', r.flags)
    .id('traceId', r.traceId)
    .id('spanId', r.spanId)
    .str('eventName', r.eventName).o;
}
