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

// LogRecord: time_unix_nano 1 (fixed64), severity_number 2, severity_text 3, body 5,
// attributes 6, dropped_attributes_count 7, flags 8 (fixed32), trace_id 9, span_id 10,
// observed_time_unix_nano 11 (fixed64), event_name 12 (field 4 is reserved)
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
      case 9:
        timeUnixNano = r.fixed64();
        break;
      case 16:
        severityNumber = r.int32();
        break;
      case 26:
        severityText = r.string();
        break;
      case 42:
        body = decodeAnyValue(r, r.len(), body);
        break;
      case 50:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case 56:
        droppedAttributesCount = r.uint32();
        break;
      case 69:
        flags = r.fixed32();
        break;
      case 74:
        traceId = r.id(16, 'LogRecord.trace_id');
        break;
      case 82:
        spanId = r.id(8, 'LogRecord.span_id');
        break;
      case 89:
        observedTimeUnixNano = r.fixed64();
        break;
      case 98:
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
  w.stringField(12, log.eventName);
  w.fixed64Field(11, log.observedTimeUnixNano);
  w.bytesField(10, log.spanId);
  w.bytesField(9, log.traceId);
  w.fixed32Field(8, log.flags);
  w.uint32Field(7, log.droppedAttributesCount);
  encodeKeyValues(w, 6, log.attributes);
  encodeAnyValueField(w, 5, log.body, false);
  w.stringField(3, log.severityText);
  w.enumField(2, log.severityNumber);
  w.fixed64Field(1, log.timeUnixNano);
  w.closeMessage(2, end);
}
