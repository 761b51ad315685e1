// trace.proto in OTLP/JSON.
import type { Span, SpanEvent, SpanLink, Traces } from '../model.ts';
import { TRACES_LAYOUT } from '../signal-layout.ts';
import { attributesFromJson, keyValueToJson } from './common.ts';
import { envelopeFromJson, envelopeToJsonObject, type JsonSignal } from './envelope.ts';
import { arrayField, asObject, enumField, field, idField, int64Field, JsonOut, stringField, uint32Field, type JsonObject } from './values.ts';

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

const TRACES: JsonSignal<Span> = { layout: TRACES_LAYOUT, itemFromJson: spanFromJson, itemToJson: spanToJson };

export function tracesFromJson(input: string | object): Traces {
  return envelopeFromJson(input, TRACES, 'traces') as unknown as Traces;
}

export function tracesToJson(data: Traces): string {
  return JSON.stringify(tracesToJsonObject(data));
}

export function tracesToJsonObject(data: Traces): JsonObject {
  return envelopeToJsonObject(data, TRACES);
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
    kind: enumField(o, 'kind', path, SPAN_KINDS),
    startTimeUnixNano: int64Field(o, 'startTimeUnixNano', path),
    endTimeUnixNano: int64Field(o, 'endTimeUnixNano', path),
    attributes: attributesFromJson(o, 'attributes', path),
    droppedAttributesCount: uint32Field(o, 'droppedAttributesCount', path),
    events: arrayField(o, 'events', path, eventFromJson),
    droppedEventsCount: uint32Field(o, 'droppedEventsCount', path),
    links: arrayField(o, 'links', path, linkFromJson),
    droppedLinksCount: uint32Field(o, 'droppedLinksCount', path),
    status: { message: stringField(s, 'message', `${path}.status`), code: enumField(s, 'code', `${path}.status`, STATUS_CODES) },
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

function spanToJson(span: Span): JsonObject {
  return new JsonOut()
    .id('traceId', span.traceId)
    .id('spanId', span.spanId)
    .str('traceState', span.traceState)
    .id('parentSpanId', span.parentSpanId)
    .num('flags', span.flags)
    .str('name', span.name)
    .num('kind', span.kind)
    .int64('startTimeUnixNano', span.startTimeUnixNano)
    .int64('endTimeUnixNano', span.endTimeUnixNano)
    .list('attributes', span.attributes, keyValueToJson)
    .num('droppedAttributesCount', span.droppedAttributesCount)
    .list('events', span.events, eventToJson)
    .num('droppedEventsCount', span.droppedEventsCount)
    .list('links', span.links, linkToJson)
    .num('droppedLinksCount', span.droppedLinksCount)
    .message('status', new JsonOut().str('message', span.status.message).num('code', span.status.code).o).o;
}

function eventToJson(e: SpanEvent): JsonObject {
  return new JsonOut()
    .int64('timeUnixNano', e.timeUnixNano)
    .str('name', e.name)
    .list('attributes', e.attributes, keyValueToJson)
    .num('droppedAttributesCount', e.droppedAttributesCount).o;
}

function linkToJson(l: SpanLink): JsonObject {
  return new JsonOut()
    .id('traceId', l.traceId)
    .id('spanId', l.spanId)
    .str('traceState', l.traceState)
    .list('attributes', l.attributes, keyValueToJson)
    .num('droppedAttributesCount', l.droppedAttributesCount)
    .num('flags', l.flags).o;
}
