// logs.proto and logs_service.proto (ExportLogsServiceRequest has LogsData's shape).
import type { EncodeBuffer } from '../encode-buffer.ts';
import type { AnyValue, KeyValue, LogRecord, Logs } from '../model.ts';
import { decodeAnyValue, decodeKeyValue, encodeAnyValueField, encodeKeyValues } from './common.ts';
import { decodeEnvelope, encodeEnvelope, type ProtoSignal } from './envelope.ts';
import { logRecordCount } from '../count.ts';
import { concatPassThrough, passThrough, passThroughBytes } from './pass-through.ts';
import { LOGS_LAYOUT } from '../signal-layout.ts';
import { EMPTY_BYTES, type ProtoReader } from './reader.ts';
import type { ProtoWriter } from './writer.ts';

// Field numbers by message (logs.proto), and the wire types of their tags: named here,
// inlined as numbers when compiled (a const enum used in its own file).
// prettier-ignore
const enum Wire { VARINT = 0, I64 = 1, LEN = 2, I32 = 5 }
/** ScopeLogs (the rest of it is the envelope's) */
// prettier-ignore
const enum ScopeLogsField { logRecords = 2 }
/** LogRecord; time_unix_nano and observed_time_unix_nano are fixed64, flags fixed32 (field 4 is reserved) */
// prettier-ignore
const enum LogRecordField {
  timeUnixNano = 1, severityNumber = 2, severityText = 3, body = 5, attributes = 6,
  droppedAttributesCount = 7, flags = 8, traceId = 9, spanId = 10, observedTimeUnixNano = 11,
  eventName = 12,
}

const LOG_RECORDS: ProtoSignal<LogRecord> = {
  layout: LOGS_LAYOUT,
  decodeItem: decodeLogRecord,
  encodeItem: encodeLogRecord,
};

export function decodeLogs(bytes: Uint8Array): Logs {
  return decodeEnvelope(bytes, LOG_RECORDS) as unknown as Logs;
}

/** Decodes to check, then keeps only the bytes and the item count (see pass-through.ts). */
export function decodeLogsPassThrough(bytes: Uint8Array): Logs {
  return passThrough(LOGS_LAYOUT, decodeLogs, bytes, logRecordCount(decodeLogs(bytes)));
}

/** The parts joined without decoding when none has been looked at, else undefined. */
export const concatLogsPassThrough = (parts: readonly Logs[]): Logs | undefined =>
  concatPassThrough(LOGS_LAYOUT, decodeLogs, parts);

/** An ExportLogsServiceRequest as protobuf (into `reused`'s memory when given: valid until its next use). */
export function encodeLogs(logs: Logs, reused?: EncodeBuffer): Uint8Array<ArrayBuffer> {
  return (passThroughBytes(logs) as Uint8Array<ArrayBuffer> | undefined) ?? encodeEnvelope(logs, LOG_RECORDS, reused);
}

function decodeLogRecord(r: ProtoReader, end: number): LogRecord {
  let timeUnixNano = 0n;
  let observedTimeUnixNano = 0n;
  let severityNumber = 0;
  let severityText = '';
  let body: AnyValue = {};
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  let flags = 0;
  let traceId = EMPTY_BYTES;
  let spanId = EMPTY_BYTES;
  let eventName = '';
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (LogRecordField.timeUnixNano << 3) | Wire.I64:
        timeUnixNano = r.fixed64();
        break;
      case (LogRecordField.severityNumber << 3) | Wire.VARINT:
        severityNumber = r.int32();
        break;
      case (LogRecordField.severityText << 3) | Wire.LEN:
        severityText = r.string();
        break;
      case (LogRecordField.body << 3) | Wire.LEN:
        body = decodeAnyValue(r, r.len(), body);
        break;
      case (LogRecordField.attributes << 3) | Wire.LEN:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case (LogRecordField.droppedAttributesCount << 3) | Wire.VARINT:
        droppedAttributesCount = r.uint32();
        break;
      case (LogRecordField.flags << 3) | Wire.I32:
        flags = r.fixed32();
        break;
      case (LogRecordField.traceId << 3) | Wire.LEN:
        traceId = r.id(16, 'LogRecord.trace_id');
        break;
      case (LogRecordField.spanId << 3) | Wire.LEN:
        spanId = r.id(8, 'LogRecord.span_id');
        break;
      case (LogRecordField.observedTimeUnixNano << 3) | Wire.I64:
        observedTimeUnixNano = r.fixed64();
        break;
      case (LogRecordField.eventName << 3) | Wire.LEN:
        eventName = r.string();
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'LogRecord');
  return {
    timeUnixNano,
    observedTimeUnixNano,
    severityNumber,
    severityText,
    body,
    attributes,
    droppedAttributesCount,
    flags,
    traceId,
    spanId,
    eventName,
  };
}

// ---- encoding: fields last-first (see ProtoWriter) ----

function encodeLogRecord(w: ProtoWriter, log: LogRecord): void {
  const end = w.written;
  w.stringField(LogRecordField.eventName, log.eventName);
  w.fixed64Field(LogRecordField.observedTimeUnixNano, log.observedTimeUnixNano);
  w.bytesField(LogRecordField.spanId, log.spanId);
  w.bytesField(LogRecordField.traceId, log.traceId);
  w.fixed32Field(LogRecordField.flags, log.flags);
  w.uint32Field(LogRecordField.droppedAttributesCount, log.droppedAttributesCount);
  encodeKeyValues(w, LogRecordField.attributes, log.attributes);
  encodeAnyValueField(w, LogRecordField.body, log.body, false);
  w.stringField(LogRecordField.severityText, log.severityText);
  w.enumField(LogRecordField.severityNumber, log.severityNumber);
  w.fixed64Field(LogRecordField.timeUnixNano, log.timeUnixNano);
  w.closeMessage(ScopeLogsField.logRecords, end);
}
