// trace.proto in OTLP/JSON.
import type { Span, SpanEvent, SpanLink, Traces } from '../model.ts';
import type { EncodeBuffer } from '../encode-buffer.ts';
import { TRACES_LAYOUT } from '../signal-layout.ts';
import { attributesFromJson, writeKeyValue } from './common.ts';
import { envelopeFromJson, writeEnvelope, type JsonSignal } from './envelope.ts';
import { arrayField, asObject, enumField, field, idField, int64Field, stringField, uint32Field } from './values.ts';
import { SPAN_KIND_NAMES, STATUS_CODES, TRACES_MESSAGE } from './transcode.ts';
import type { JsonWriter } from './writer.ts';
import { jsonToProto } from './to-proto.ts';
import { decodeTraces } from '../proto/traces.ts';
import { passThrough } from '../proto/pass-through.ts';

export { SPAN_KIND_NAMES } from './transcode.ts';

const TRACES: JsonSignal<Span> = {
  layout: TRACES_LAYOUT,
  itemFromJson: spanFromJson,
  writeItem: writeSpan,
  message: TRACES_MESSAGE,
};

export function tracesFromJson(input: string | object): Traces {
  return envelopeFromJson(input, TRACES, 'traces') as unknown as Traces;
}

/**
 * OTLP/JSON checked as tracesFromJson checks it, kept as the protobuf bytes of the same request
 * (pass-through: see to-proto.ts), for a receiver that hands the data on.
 */
export function decodeTracesJsonPassThrough(input: string | object | Uint8Array): Traces {
  const { bytes, items } = jsonToProto(input, TRACES_MESSAGE, 'traces', 'spans');
  return passThrough(TRACES_LAYOUT, decodeTraces, bytes, items);
}

/** An ExportTraceServiceRequest as OTLP/JSON, UTF-8 encoded (into `reused`'s memory when given: valid until its next use). */
export function encodeTracesJson(data: Traces, reused?: EncodeBuffer): Uint8Array {
  return writeEnvelope(data, TRACES, reused).toBytes();
}

export function tracesToJson(data: Traces): string {
  return writeEnvelope(data, TRACES).toText();
}

function spanFromJson(value: unknown, path: string): Span {
  const o = asObject(value, path);
  const status = field(o, 'status');
  const s = status === undefined ? {} : asObject(status, `${path}.status`);
  return {
    traceId: idField(o, 'traceId', path, 16),
    spanId: idField(o, 'spanId', path, 8),
    traceState: stringField(o, 'traceState', path),
    parentSpanId: idField(o, 'parentSpanId', path, 8),
    flags: uint32Field(o, 'flags', path),
    name: stringField(o, 'name', path),
    kind: enumField(o, 'kind', path, SPAN_KIND_NAMES),
    startTimeUnixNano: int64Field(o, 'startTimeUnixNano', path),
    endTimeUnixNano: int64Field(o, 'endTimeUnixNano', path),
    attributes: attributesFromJson(o, 'attributes', path),
    droppedAttributesCount: uint32Field(o, 'droppedAttributesCount', path),
    events: arrayField(o, 'events', path, eventFromJson),
    droppedEventsCount: uint32Field(o, 'droppedEventsCount', path),
    links: arrayField(o, 'links', path, linkFromJson),
    droppedLinksCount: uint32Field(o, 'droppedLinksCount', path),
    status: {
      message: stringField(s, 'message', `${path}.status`),
      code: enumField(s, 'code', `${path}.status`, STATUS_CODES),
    },
  };
}

function eventFromJson(value: unknown, path: string): SpanEvent {
  const o = asObject(value, path);
  return {
    timeUnixNano: int64Field(o, 'timeUnixNano', path),
    name: stringField(o, 'name', path),
    attributes: attributesFromJson(o, 'attributes', path),
    droppedAttributesCount: uint32Field(o, 'droppedAttributesCount', path),
  };
}

function linkFromJson(value: unknown, path: string): SpanLink {
  const o = asObject(value, path);
  return {
    traceId: idField(o, 'traceId', path, 16),
    spanId: idField(o, 'spanId', path, 8),
    traceState: stringField(o, 'traceState', path),
    attributes: attributesFromJson(o, 'attributes', path),
    droppedAttributesCount: uint32Field(o, 'droppedAttributesCount', path),
    flags: uint32Field(o, 'flags', path),
  };
}

// ---- output ----

function writeSpan(w: JsonWriter, span: Span): void {
  w.open();
  w.id('traceId', span.traceId);
  w.id('spanId', span.spanId);
  w.str('traceState', span.traceState);
  w.id('parentSpanId', span.parentSpanId);
  w.num('flags', span.flags);
  w.str('name', span.name);
  w.num('kind', span.kind);
  w.int64('startTimeUnixNano', span.startTimeUnixNano);
  w.int64('endTimeUnixNano', span.endTimeUnixNano);
  w.list('attributes', span.attributes, writeKeyValue);
  w.num('droppedAttributesCount', span.droppedAttributesCount);
  w.list('events', span.events, writeEvent);
  w.num('droppedEventsCount', span.droppedEventsCount);
  w.list('links', span.links, writeLink);
  w.num('droppedLinksCount', span.droppedLinksCount);
  w.message('status', span.status, writeStatus);
  w.close();
}

function writeStatus(w: JsonWriter, status: Span['status']): void {
  w.str('message', status.message);
  w.num('code', status.code);
}

function writeEvent(w: JsonWriter, e: SpanEvent): void {
  w.open();
  w.int64('timeUnixNano', e.timeUnixNano);
  w.str('name', e.name);
  w.list('attributes', e.attributes, writeKeyValue);
  w.num('droppedAttributesCount', e.droppedAttributesCount);
  w.close();
}

function writeLink(w: JsonWriter, l: SpanLink): void {
  w.open();
  w.id('traceId', l.traceId);
  w.id('spanId', l.spanId);
  w.str('traceState', l.traceState);
  w.list('attributes', l.attributes, writeKeyValue);
  w.num('droppedAttributesCount', l.droppedAttributesCount);
  w.num('flags', l.flags);
  w.close();
}
