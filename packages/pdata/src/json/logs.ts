// logs.proto in OTLP/JSON.
import type { LogRecord, Logs, ResourceLogs, ScopeLogs } from '../model.ts';
import { anyValueFromJson, anyValueToJson, attributesFromJson, keyValueToJson, resourceFromJson, resourceToJson, scopeFromJson, scopeToJson } from './common.ts';
import { arrayField, asObject, enumField, field, idField, int64Field, JsonOut, parseJson, stringField, uint32Field, type JsonObject } from './values.ts';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
/** SEVERITY_NUMBER_UNSPECIFIED, then SEVERITY_NUMBER_TRACE, _TRACE2.._TRACE4, _DEBUG, ... _FATAL4 */
const SEVERITY_NUMBERS = [
  'SEVERITY_NUMBER_UNSPECIFIED',
  ...LEVELS.flatMap((level) => [1, 2, 3, 4].map((n) => `SEVERITY_NUMBER_${level}${n === 1 ? '' : n}`)),
];

export function logsFromJson(input: string | object): Logs {
  const o = parseJson(input, 'logs');
  return { resourceLogs: arrayField(o, 'resourceLogs', '$', resourceLogsFromJson) };
}

function resourceLogsFromJson(value: unknown, path: string): ResourceLogs {
  const o = asObject(value, path);
  return {
    resource: resourceFromJson(field(o, 'resource'), `${path}.resource`),
    scopeLogs: arrayField(o, 'scopeLogs', path, scopeLogsFromJson),
    schemaUrl: stringField(o, 'schemaUrl', path),
  };
}

function scopeLogsFromJson(value: unknown, path: string): ScopeLogs {
  const o = asObject(value, path);
  return {
    scope: scopeFromJson(field(o, 'scope'), `${path}.scope`),
    logRecords: arrayField(o, 'logRecords', path, logRecordFromJson),
    schemaUrl: stringField(o, 'schemaUrl', path),
  };
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

export function logsToJson(logs: Logs): string {
  return JSON.stringify(logsToJsonObject(logs));
}

export function logsToJsonObject(logs: Logs): JsonObject {
  return {
    resourceLogs: logs.resourceLogs.map(
      (rl) =>
        new JsonOut()
          .message('resource', resourceToJson(rl.resource))
          .list('scopeLogs', rl.scopeLogs, scopeLogsToJson)
          .str('schemaUrl', rl.schemaUrl).o,
    ),
  };
}

function scopeLogsToJson(sl: ScopeLogs): JsonObject {
  return new JsonOut().message('scope', scopeToJson(sl.scope)).list('logRecords', sl.logRecords, logRecordToJson).str('schemaUrl', sl.schemaUrl).o;
}

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
