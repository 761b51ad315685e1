// trace.proto and trace_service.proto (ExportTraceServiceRequest has TracesData's shape).
import type { EncodeBuffer } from '../encode-buffer.ts';
import type { KeyValue, Span, SpanEvent, SpanLink, Status, Traces } from '../model.ts';
import { decodeKeyValue, encodeKeyValues } from './common.ts';
import { decodeEnvelope, encodeEnvelope, type ProtoSignal } from './envelope.ts';
import { spanCount } from '../count.ts';
import { concatPassThrough, passThrough, passThroughBytes } from './pass-through.ts';
import { TRACES_LAYOUT } from '../signal-layout.ts';
import { EMPTY_BYTES, type ProtoReader } from './reader.ts';
import type { ProtoWriter } from './writer.ts';

const SPANS: ProtoSignal<Span> = { layout: TRACES_LAYOUT, decodeItem: decodeSpan, encodeItem: encodeSpan };

export function decodeTraces(bytes: Uint8Array): Traces {
  return decodeEnvelope(bytes, SPANS) as unknown as Traces;
}

/** Decodes to check, then keeps only the bytes and the item count (see pass-through.ts). */
export function decodeTracesPassThrough(bytes: Uint8Array): Traces {
  return passThrough(TRACES_LAYOUT, decodeTraces, bytes, spanCount(decodeTraces(bytes)));
}

/** The parts joined without decoding when none has been looked at, else undefined. */
export const concatTracesPassThrough = (parts: readonly Traces[]): Traces | undefined =>
  concatPassThrough(TRACES_LAYOUT, decodeTraces, parts);

/** An ExportTraceServiceRequest as protobuf (into `reused`'s memory when given: valid until its next use). */
export function encodeTraces(traces: Traces, reused?: EncodeBuffer): Uint8Array<ArrayBuffer> {
  return (passThroughBytes(traces) as Uint8Array<ArrayBuffer> | undefined) ?? encodeEnvelope(traces, SPANS, reused);
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
        traceId = r.id(16, 'Span.trace_id');
        break;
      case 18:
        spanId = r.id(8, 'Span.span_id');
        break;
      case 26:
        traceState = r.string();
        break;
      case 34:
        parentSpanId = r.id(8, 'Span.parent_span_id');
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
        status = decodeStatus(r, r.len(), status);
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
        traceId = r.id(16, 'Span.Link.trace_id');
        break;
      case 18:
        spanId = r.id(8, 'Span.Link.span_id');
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

// Status: message 2, code 3 (field 1 is reserved). A second status in the same span merges
// into the first, as protobuf merges a repeated non-repeated message field.
function decodeStatus(r: ProtoReader, end: number, into: Status): Status {
  let { message, code } = into;
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
