// trace.proto and trace_service.proto (ExportTraceServiceRequest has TracesData's shape).
import type { KeyValue, ResourceSpans, ScopeSpans, Span, SpanEvent, SpanLink, Status, Traces } from '../model.ts';
import {
  decodeKeyValue,
  decodeResource,
  decodeScope,
  emptyResource,
  emptyScope,
  encodeKeyValues,
  encodeResourceField,
  encodeScopeField,
} from './common.ts';
import { EMPTY_BYTES, ProtoReader } from './reader.ts';
import { ProtoWriter } from './writer.ts';

export function decodeTraces(bytes: Uint8Array): Traces {
  const r = new ProtoReader(bytes);
  const resourceSpans: ResourceSpans[] = [];
  const end = bytes.length;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) resourceSpans.push(decodeResourceSpans(r, r.len()));
    else r.skip(tag);
  }
  return { resourceSpans };
}

// ResourceSpans: resource 1, scope_spans 2, schema_url 3
function decodeResourceSpans(r: ProtoReader, end: number): ResourceSpans {
  let resource = emptyResource();
  const scopeSpans: ScopeSpans[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 18) scopeSpans.push(decodeScopeSpans(r, r.len()));
    else if (tag === 10) resource = decodeResource(r, r.len());
    else if (tag === 26) schemaUrl = r.string();
    else r.skip(tag);
  }
  r.expectEnd(end, 'ResourceSpans');
  return { resource, scopeSpans, schemaUrl };
}

// ScopeSpans: scope 1, spans 2, schema_url 3
function decodeScopeSpans(r: ProtoReader, end: number): ScopeSpans {
  let scope = emptyScope();
  const spans: Span[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 18) spans.push(decodeSpan(r, r.len()));
    else if (tag === 10) scope = decodeScope(r, r.len());
    else if (tag === 26) schemaUrl = r.string();
    else r.skip(tag);
  }
  r.expectEnd(end, 'ScopeSpans');
  return { scope, spans, schemaUrl };
}

// Span: trace_id 1, span_id 2, trace_state 3, parent_span_id 4, name 5, kind 6,
// start_time_unix_nano 7 (fixed64), end_time_unix_nano 8 (fixed64), attributes 9,
// dropped_attributes_count 10, events 11, dropped_events_count 12, links 13,
// dropped_links_count 14, status 15, flags 16 (fixed32)
function decodeSpan(r: ProtoReader, end: number): Span {
  let traceId = EMPTY_BYTES;
  let spanId = EMPTY_BYTES;
  let traceState = '';
  let parentSpanId = EMPTY_BYTES;
  let flags = 0;
  let name = '';
  let kind = 0;
  let startTimeUnixNano = 0n;
  let endTimeUnixNano = 0n;
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  const events: SpanEvent[] = [];
  let droppedEventsCount = 0;
  const links: SpanLink[] = [];
  let droppedLinksCount = 0;
  let status: Status = { message: '', code: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        traceId = r.bytes();
        break;
      case 18:
        spanId = r.bytes();
        break;
      case 26:
        traceState = r.string();
        break;
      case 34:
        parentSpanId = r.bytes();
        break;
      case 42:
        name = r.string();
        break;
      case 48:
        kind = r.int32();
        break;
      case 57:
        startTimeUnixNano = r.fixed64();
        break;
      case 65:
        endTimeUnixNano = r.fixed64();
        break;
      case 74:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case 80:
        droppedAttributesCount = r.uint32();
        break;
      case 90:
        events.push(decodeEvent(r, r.len()));
        break;
      case 96:
        droppedEventsCount = r.uint32();
        break;
      case 106:
        links.push(decodeLink(r, r.len()));
        break;
      case 112:
        droppedLinksCount = r.uint32();
        break;
      case 122:
        status = decodeStatus(r, r.len());
        break;
      case 133:
        flags = r.fixed32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'Span');
  return {
    traceId,
    spanId,
    traceState,
    parentSpanId,
    flags,
    name,
    kind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes,
    droppedAttributesCount,
    events,
    droppedEventsCount,
    links,
    droppedLinksCount,
    status,
  };
}

// Span.Event: time_unix_nano 1 (fixed64), name 2, attributes 3, dropped_attributes_count 4
function decodeEvent(r: ProtoReader, end: number): SpanEvent {
  let timeUnixNano = 0n;
  let name = '';
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 9:
        timeUnixNano = r.fixed64();
        break;
      case 18:
        name = r.string();
        break;
      case 26:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case 32:
        droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'Span.Event');
  return { timeUnixNano, name, attributes, droppedAttributesCount };
}

// Span.Link: trace_id 1, span_id 2, trace_state 3, attributes 4, dropped_attributes_count 5,
// flags 6 (fixed32)
function decodeLink(r: ProtoReader, end: number): SpanLink {
  let traceId = EMPTY_BYTES;
  let spanId = EMPTY_BYTES;
  let traceState = '';
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  let flags = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        traceId = r.bytes();
        break;
      case 18:
        spanId = r.bytes();
        break;
      case 26:
        traceState = r.string();
        break;
      case 34:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case 40:
        droppedAttributesCount = r.uint32();
        break;
      case 53:
        flags = r.fixed32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'Span.Link');
  return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
}

// Status: message 2, code 3 (field 1 is reserved)
function decodeStatus(r: ProtoReader, end: number): Status {
  let message = '';
  let code = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 18) message = r.string();
    else if (tag === 24) code = r.int32();
    else r.skip(tag);
  }
  r.expectEnd(end, 'Status');
  return { message, code };
}

// ---- encoding: fields last-first (see ProtoWriter) ----

export function encodeTraces(traces: Traces): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter();
  const list = traces.resourceSpans;
  for (let i = list.length - 1; i >= 0; i--) {
    const rs = list[i];
    const end = w.written;
    w.stringField(3, rs.schemaUrl);
    for (let j = rs.scopeSpans.length - 1; j >= 0; j--) encodeScopeSpans(w, rs.scopeSpans[j]);
    encodeResourceField(w, 1, rs.resource);
    w.closeMessage(1, end);
  }
  return w.finish();
}

function encodeScopeSpans(w: ProtoWriter, ss: ScopeSpans): void {
  const end = w.written;
  w.stringField(3, ss.schemaUrl);
  for (let i = ss.spans.length - 1; i >= 0; i--) encodeSpan(w, ss.spans[i]);
  encodeScopeField(w, 1, ss.scope);
  w.closeMessage(2, end);
}

function encodeSpan(w: ProtoWriter, span: Span): void {
  const end = w.written;
  w.fixed32Field(16, span.flags);
  const status = span.status;
  if (status.code !== 0 || status.message.length !== 0) {
    const statusEnd = w.written;
    w.enumField(3, status.code);
    w.stringField(2, status.message);
    w.closeMessage(15, statusEnd);
  }
  w.uint32Field(14, span.droppedLinksCount);
  for (let i = span.links.length - 1; i >= 0; i--) encodeLink(w, span.links[i]);
  w.uint32Field(12, span.droppedEventsCount);
  for (let i = span.events.length - 1; i >= 0; i--) encodeEvent(w, span.events[i]);
  w.uint32Field(10, span.droppedAttributesCount);
  encodeKeyValues(w, 9, span.attributes);
  w.fixed64Field(8, span.endTimeUnixNano);
  w.fixed64Field(7, span.startTimeUnixNano);
  w.enumField(6, span.kind);
  w.stringField(5, span.name);
  w.bytesField(4, span.parentSpanId);
  w.stringField(3, span.traceState);
  w.bytesField(2, span.spanId);
  w.bytesField(1, span.traceId);
  w.closeMessage(2, end);
}

function encodeEvent(w: ProtoWriter, event: SpanEvent): void {
  const end = w.written;
  w.uint32Field(4, event.droppedAttributesCount);
  encodeKeyValues(w, 3, event.attributes);
  w.stringField(2, event.name);
  w.fixed64Field(1, event.timeUnixNano);
  w.closeMessage(11, end);
}

function encodeLink(w: ProtoWriter, link: SpanLink): void {
  const end = w.written;
  w.fixed32Field(6, link.flags);
  w.uint32Field(5, link.droppedAttributesCount);
  encodeKeyValues(w, 4, link.attributes);
  w.stringField(3, link.traceState);
  w.bytesField(2, link.spanId);
  w.bytesField(1, link.traceId);
  w.closeMessage(13, end);
}
