// logs.proto and logs_service.proto (ExportLogsServiceRequest has LogsData's shape).
import type { AnyValue, KeyValue, LogRecord, Logs, ResourceLogs, ScopeLogs } from '../model.ts';
import {
  decodeAnyValue,
  decodeKeyValue,
  decodeResource,
  decodeScope,
  emptyResource,
  emptyScope,
  encodeAnyValueField,
  encodeKeyValues,
  encodeResourceField,
  encodeScopeField,
} from './common.ts';
import { EMPTY_BYTES, ProtoReader } from './reader.ts';
import { ProtoWriter } from './writer.ts';

export function decodeLogs(bytes: Uint8Array): Logs {
  const r = new ProtoReader(bytes);
  const resourceLogs: ResourceLogs[] = [];
  while (r.pos < bytes.length) {
    const tag = r.uint32();
    if (tag === 10) resourceLogs.push(decodeResourceLogs(r, r.len()));
    else r.skip(tag);
  }
  return { resourceLogs };
}

// ResourceLogs: resource 1, scope_logs 2, schema_url 3
function decodeResourceLogs(r: ProtoReader, end: number): ResourceLogs {
  let resource = emptyResource();
  const scopeLogs: ScopeLogs[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 18) scopeLogs.push(decodeScopeLogs(r, r.len()));
    else if (tag === 10) resource = decodeResource(r, r.len());
    else if (tag === 26) schemaUrl = r.string();
    else r.skip(tag);
  }
  r.expectEnd(end, 'ResourceLogs');
  return { resource, scopeLogs, schemaUrl };
}

// ScopeLogs: scope 1, log_records 2, schema_url 3
function decodeScopeLogs(r: ProtoReader, end: number): ScopeLogs {
  let scope = emptyScope();
  const logRecords: LogRecord[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 18) logRecords.push(decodeLogRecord(r, r.len()));
    else if (tag === 10) scope = decodeScope(r, r.len());
    else if (tag === 26) schemaUrl = r.string();
    else r.skip(tag);
  }
  r.expectEnd(end, 'ScopeLogs');
  return { scope, logRecords, schemaUrl };
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
        body = decodeAnyValue(r, r.len());
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
        traceId = r.bytes();
        break;
      case 82:
        spanId = r.bytes();
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

export function encodeLogs(logs: Logs): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter();
  const list = logs.resourceLogs;
  for (let i = list.length - 1; i >= 0; i--) {
    const rl = list[i];
    const end = w.written;
    w.stringField(3, rl.schemaUrl);
    for (let j = rl.scopeLogs.length - 1; j >= 0; j--) {
      const sl = rl.scopeLogs[j];
      const scopeEnd = w.written;
      w.stringField(3, sl.schemaUrl);
      for (let k = sl.logRecords.length - 1; k >= 0; k--) encodeLogRecord(w, sl.logRecords[k]);
      encodeScopeField(w, 1, sl.scope);
      w.closeMessage(2, scopeEnd);
    }
    encodeResourceField(w, 1, rl.resource);
    w.closeMessage(1, end);
  }
  return w.finish();
}

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
