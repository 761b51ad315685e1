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

// Field numbers by message (trace.proto), and the wire types of their tags: named here,
// inlined as numbers when compiled (a const enum used in its own file).
// prettier-ignore
const enum Wire { VARINT = 0, I64 = 1, LEN = 2, I32 = 5 }
/** ScopeSpans (the rest of it is the envelope's) */
// prettier-ignore
const enum ScopeSpansField { spans = 2 }
/** Span; start/end_time_unix_nano are fixed64, flags fixed32 */
// prettier-ignore
const enum SpanField {
  traceId = 1, spanId = 2, traceState = 3, parentSpanId = 4, name = 5, kind = 6,
  startTimeUnixNano = 7, endTimeUnixNano = 8, attributes = 9, droppedAttributesCount = 10,
  events = 11, droppedEventsCount = 12, links = 13, droppedLinksCount = 14, status = 15,
  flags = 16,
}
/** Span.Event; time_unix_nano is fixed64 */
// prettier-ignore
const enum EventField { timeUnixNano = 1, name = 2, attributes = 3, droppedAttributesCount = 4 }
/** Span.Link; flags is fixed32 */
// prettier-ignore
const enum LinkField {
  traceId = 1, spanId = 2, traceState = 3, attributes = 4, droppedAttributesCount = 5, flags = 6,
}
/** Status (field 1 is reserved) */
// prettier-ignore
const enum StatusField { message = 2, code = 3 }

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
      case (SpanField.traceId << 3) | Wire.LEN:
        traceId = r.id(16, 'Span.trace_id');
        break;
      case (SpanField.spanId << 3) | Wire.LEN:
        spanId = r.id(8, 'Span.span_id');
        break;
      case (SpanField.traceState << 3) | Wire.LEN:
        traceState = r.string();
        break;
      case (SpanField.parentSpanId << 3) | Wire.LEN:
        parentSpanId = r.id(8, 'Span.parent_span_id');
        break;
      case (SpanField.name << 3) | Wire.LEN:
        name = r.string();
        break;
      case (SpanField.kind << 3) | Wire.VARINT:
        kind = r.int32();
        break;
      case (SpanField.startTimeUnixNano << 3) | Wire.I64:
        startTimeUnixNano = r.fixed64();
        break;
      case (SpanField.endTimeUnixNano << 3) | Wire.I64:
        endTimeUnixNano = r.fixed64();
        break;
      case (SpanField.attributes << 3) | Wire.LEN:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case (SpanField.droppedAttributesCount << 3) | Wire.VARINT:
        droppedAttributesCount = r.uint32();
        break;
      case (SpanField.events << 3) | Wire.LEN:
        events.push(decodeEvent(r, r.len()));
        break;
      case (SpanField.droppedEventsCount << 3) | Wire.VARINT:
        droppedEventsCount = r.uint32();
        break;
      case (SpanField.links << 3) | Wire.LEN:
        links.push(decodeLink(r, r.len()));
        break;
      case (SpanField.droppedLinksCount << 3) | Wire.VARINT:
        droppedLinksCount = r.uint32();
        break;
      case (SpanField.status << 3) | Wire.LEN:
        status = decodeStatus(r, r.len(), status);
        break;
      case (SpanField.flags << 3) | Wire.I32:
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

function decodeEvent(r: ProtoReader, end: number): SpanEvent {
  let timeUnixNano = 0n;
  let name = '';
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (EventField.timeUnixNano << 3) | Wire.I64:
        timeUnixNano = r.fixed64();
        break;
      case (EventField.name << 3) | Wire.LEN:
        name = r.string();
        break;
      case (EventField.attributes << 3) | Wire.LEN:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case (EventField.droppedAttributesCount << 3) | Wire.VARINT:
        droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'Span.Event');
  return { timeUnixNano, name, attributes, droppedAttributesCount };
}

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
      case (LinkField.traceId << 3) | Wire.LEN:
        traceId = r.id(16, 'Span.Link.trace_id');
        break;
      case (LinkField.spanId << 3) | Wire.LEN:
        spanId = r.id(8, 'Span.Link.span_id');
        break;
      case (LinkField.traceState << 3) | Wire.LEN:
        traceState = r.string();
        break;
      case (LinkField.attributes << 3) | Wire.LEN:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case (LinkField.droppedAttributesCount << 3) | Wire.VARINT:
        droppedAttributesCount = r.uint32();
        break;
      case (LinkField.flags << 3) | Wire.I32:
        flags = r.fixed32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'Span.Link');
  return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
}

// A second status in the same span merges
// into the first, as protobuf merges a repeated non-repeated message field.
function decodeStatus(r: ProtoReader, end: number, into: Status): Status {
  let { message, code } = into;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((StatusField.message << 3) | Wire.LEN)) message = r.string();
    else if (tag === ((StatusField.code << 3) | Wire.VARINT)) code = r.int32();
    else r.skip(tag);
  }
  r.expectEnd(end, 'Status');
  return { message, code };
}

// ---- encoding: fields last-first (see ProtoWriter) ----

function encodeSpan(w: ProtoWriter, span: Span): void {
  const end = w.written;
  w.fixed32Field(SpanField.flags, span.flags);
  const status = span.status;
  if (status.code !== 0 || status.message.length !== 0) {
    const statusEnd = w.written;
    w.enumField(StatusField.code, status.code);
    w.stringField(StatusField.message, status.message);
    w.closeMessage(SpanField.status, statusEnd);
  }
  w.uint32Field(SpanField.droppedLinksCount, span.droppedLinksCount);
  for (let i = span.links.length - 1; i >= 0; i--) encodeLink(w, span.links[i]);
  w.uint32Field(SpanField.droppedEventsCount, span.droppedEventsCount);
  for (let i = span.events.length - 1; i >= 0; i--) encodeEvent(w, span.events[i]);
  w.uint32Field(SpanField.droppedAttributesCount, span.droppedAttributesCount);
  encodeKeyValues(w, SpanField.attributes, span.attributes);
  w.fixed64Field(SpanField.endTimeUnixNano, span.endTimeUnixNano);
  w.fixed64Field(SpanField.startTimeUnixNano, span.startTimeUnixNano);
  w.enumField(SpanField.kind, span.kind);
  w.stringField(SpanField.name, span.name);
  w.bytesField(SpanField.parentSpanId, span.parentSpanId);
  w.stringField(SpanField.traceState, span.traceState);
  w.bytesField(SpanField.spanId, span.spanId);
  w.bytesField(SpanField.traceId, span.traceId);
  w.closeMessage(ScopeSpansField.spans, end);
}

function encodeEvent(w: ProtoWriter, event: SpanEvent): void {
  const end = w.written;
  w.uint32Field(EventField.droppedAttributesCount, event.droppedAttributesCount);
  encodeKeyValues(w, EventField.attributes, event.attributes);
  w.stringField(EventField.name, event.name);
  w.fixed64Field(EventField.timeUnixNano, event.timeUnixNano);
  w.closeMessage(SpanField.events, end);
}

function encodeLink(w: ProtoWriter, link: SpanLink): void {
  const end = w.written;
  w.fixed32Field(LinkField.flags, link.flags);
  w.uint32Field(LinkField.droppedAttributesCount, link.droppedAttributesCount);
  encodeKeyValues(w, LinkField.attributes, link.attributes);
  w.stringField(LinkField.traceState, link.traceState);
  w.bytesField(LinkField.spanId, link.spanId);
  w.bytesField(LinkField.traceId, link.traceId);
  w.closeMessage(SpanField.links, end);
}
