// logs.proto in OTLP/JSON.
import type { LogRecord, Logs } from '../model.ts';
import type { EncodeBuffer } from '../encode-buffer.ts';
import { LOGS_LAYOUT } from '../signal-layout.ts';
import { anyValueFromJson, attributesFromJson, writeAnyValue, writeKeyValue } from './common.ts';
import { envelopeFromJson, writeEnvelope, type JsonSignal } from './envelope.ts';
import { asObject, enumField, field, idField, int64Field, stringField, uint32Field } from './values.ts';
import { LOGS_MESSAGE, SEVERITY_NUMBERS } from './transcode.ts';
import type { JsonWriter } from './writer.ts';
import { jsonToProto } from './to-proto.ts';
import { decodeLogs } from '../proto/logs.ts';
import { passThrough } from '../proto/pass-through.ts';

const LOGS: JsonSignal<LogRecord> = {
  layout: LOGS_LAYOUT,
  itemFromJson: logRecordFromJson,
  writeItem: writeLogRecord,
  message: LOGS_MESSAGE,
};

export function logsFromJson(input: string | object): Logs {
  return envelopeFromJson(input, LOGS, 'logs') as unknown as Logs;
}

/**
 * OTLP/JSON checked as logsFromJson checks it, kept as the protobuf bytes of the same request
 * (pass-through: see to-proto.ts), for a receiver that hands the data on.
 */
export function decodeLogsJsonPassThrough(input: string | object | Uint8Array): Logs {
  const { bytes, items } = jsonToProto(input, LOGS_MESSAGE, 'logs', 'logRecords');
  return passThrough(LOGS_LAYOUT, decodeLogs, bytes, items);
}

/** An ExportLogsServiceRequest as OTLP/JSON, UTF-8 encoded (into `reused`'s memory when given: valid until its next use). */
export function encodeLogsJson(data: Logs, reused?: EncodeBuffer): Uint8Array {
  return writeEnvelope(data, LOGS, reused).toBytes();
}

export function logsToJson(data: Logs): string {
  return writeEnvelope(data, LOGS).toText();
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

function writeLogRecord(w: JsonWriter, r: LogRecord): void {
  w.open();
  w.int64('timeUnixNano', r.timeUnixNano);
  w.int64('observedTimeUnixNano', r.observedTimeUnixNano);
  w.num('severityNumber', r.severityNumber);
  w.str('severityText', r.severityText);
  // an empty AnyValue is no body at all
  if (Object.keys(r.body).length !== 0) {
    w.key('body');
    writeAnyValue(w, r.body);
  }
  w.list('attributes', r.attributes, writeKeyValue);
  w.num('droppedAttributesCount', r.droppedAttributesCount);
  w.num('flags', r.flags);
  w.id('traceId', r.traceId);
  w.id('spanId', r.spanId);
  w.str('eventName', r.eventName);
  w.close();
}
