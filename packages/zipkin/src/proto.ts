// Zipkin v2 protobuf (zipkin-api's zipkin.proto, package zipkin.proto3), read with pdata's
// bounded reader and written with its writer:
//   ListOfSpans { repeated Span spans = 1; }
//   Span        { bytes trace_id = 1; bytes parent_id = 2; bytes id = 3; Kind kind = 4;
//                 string name = 5; fixed64 timestamp = 6; uint64 duration = 7;
//                 Endpoint local_endpoint = 8; Endpoint remote_endpoint = 9;
//                 repeated Annotation annotations = 10; map<string, string> tags = 11;
//                 bool debug = 12; bool shared = 13; }
//   Endpoint    { string service_name = 1; bytes ipv4 = 2; bytes ipv6 = 3; int32 port = 4; }
//   Annotation  { fixed64 timestamp = 1; string value = 2; }
//   Kind        { SPAN_KIND_UNSPECIFIED = 0; CLIENT = 1; SERVER = 2; PRODUCER = 3; CONSUMER = 4; }
import { ProtoReader, ProtoWriter, WireType } from '@flowtel/pdata';
import { ipv4Text, ipv6Text } from '@flowtel/socket-source';
import { ZipkinFormatError } from './json.ts';
import {
  EMPTY_ID,
  ipv4Bytes,
  ipv6Bytes,
  isZeroId,
  KINDS,
  type ZipkinAnnotation,
  type ZipkinEndpoint,
  type ZipkinSpan,
} from './model.ts';

function fields(r: ProtoReader, end: number, what: string, on: (field: number, wire: number) => boolean): void {
  while (r.pos < end) {
    const tag = r.uint32();
    if (!on(tag >>> 3, tag & 7)) r.skip(tag);
  }
  r.expectEnd(end, what);
}

function endpoint(r: ProtoReader): ZipkinEndpoint {
  const e: ZipkinEndpoint = { serviceName: '', ipv4: '', ipv6: '', port: 0 };
  fields(r, r.len(), 'Endpoint', (f, w) => {
    if (f === 1 && w === WireType.LEN) e.serviceName = r.string();
    else if (f === 2 && w === WireType.LEN) {
      const b = r.bytes();
      if (b.length === 4) e.ipv4 = ipv4Text(b, 0);
      else if (b.length !== 0) throw new ZipkinFormatError(`Endpoint.ipv4 of ${b.length} bytes`);
    } else if (f === 3 && w === WireType.LEN) {
      const b = r.bytes();
      if (b.length === 16) e.ipv6 = ipv6Text(b, 0);
      else if (b.length !== 0) throw new ZipkinFormatError(`Endpoint.ipv6 of ${b.length} bytes`);
    } else if (f === 4 && w === WireType.VARINT) e.port = r.int32() & 0xffff;
    else return false;
    return true;
  });
  return e;
}

function annotation(r: ProtoReader): ZipkinAnnotation {
  const a: ZipkinAnnotation = { timestamp: 0n, value: '' };
  fields(r, r.len(), 'Annotation', (f, w) => {
    if (f === 1 && w === WireType.I64) a.timestamp = r.fixed64();
    else if (f === 2 && w === WireType.LEN) a.value = r.string();
    else return false;
    return true;
  });
  return a;
}

/** 8-byte ids are trace ids' low half; 16 is the whole; anything else is refused as zipkin's decoder does. */
function idBytes(r: ProtoReader, what: string, sizes: number[]): Uint8Array {
  const b = r.bytes();
  if (b.length === 0) return EMPTY_ID;
  if (!sizes.includes(b.length)) throw new ZipkinFormatError(`${what} of ${b.length} bytes`);
  if (b.length === 8 && sizes.includes(16)) {
    const out = new Uint8Array(16);
    out.set(b, 8);
    return out;
  }
  return b.slice();
}

function span(r: ProtoReader, index: number): ZipkinSpan {
  const s: ZipkinSpan = {
    traceId: EMPTY_ID,
    id: EMPTY_ID,
    parentId: EMPTY_ID,
    name: '',
    kind: '',
    timestamp: 0n,
    duration: 0n,
    annotations: [],
    tags: new Map(),
    debug: false,
    shared: false,
  };
  fields(r, r.len(), 'Span', (f, w) => {
    switch (f) {
      case 1:
        if (w !== WireType.LEN) return false;
        s.traceId = idBytes(r, 'Span.trace_id', [8, 16]);
        return true;
      case 2:
        if (w !== WireType.LEN) return false;
        s.parentId = idBytes(r, 'Span.parent_id', [8]);
        return true;
      case 3:
        if (w !== WireType.LEN) return false;
        s.id = idBytes(r, 'Span.id', [8]);
        return true;
      case 4: {
        if (w !== WireType.VARINT) return false;
        const k = r.int32();
        s.kind = k >= 1 && k <= 4 ? KINDS[k - 1] : '';
        return true;
      }
      case 5:
        if (w !== WireType.LEN) return false;
        s.name = r.string();
        return true;
      case 6:
        if (w !== WireType.I64) return false;
        s.timestamp = r.fixed64();
        return true;
      case 7:
        if (w !== WireType.VARINT) return false;
        s.duration = r.uint64();
        return true;
      case 8:
        if (w !== WireType.LEN) return false;
        s.localEndpoint = endpoint(r);
        return true;
      case 9:
        if (w !== WireType.LEN) return false;
        s.remoteEndpoint = endpoint(r);
        return true;
      case 10:
        if (w !== WireType.LEN) return false;
        s.annotations.push(annotation(r));
        return true;
      case 11: {
        if (w !== WireType.LEN) return false;
        let key = '';
        let value = '';
        fields(r, r.len(), 'Span.tags entry', (ef, ew) => {
          if (ef === 1 && ew === WireType.LEN) key = r.string();
          else if (ef === 2 && ew === WireType.LEN) value = r.string();
          else return false;
          return true;
        });
        s.tags.set(key, value);
        return true;
      }
      case 12:
        if (w !== WireType.VARINT) return false;
        s.debug = r.bool();
        return true;
      case 13:
        if (w !== WireType.VARINT) return false;
        s.shared = r.bool();
        return true;
      default:
        return false;
    }
  });
  if (isZeroId(s.traceId)) throw new ZipkinFormatError(`span ${index}: valid trace_id required`);
  if (isZeroId(s.id)) throw new ZipkinFormatError(`span ${index}: valid id required`);
  if (isZeroId(s.parentId)) s.parentId = EMPTY_ID;
  return s;
}

/** A v2 protobuf body: ListOfSpans. */
export function decodeSpansProto(bytes: Uint8Array): ZipkinSpan[] {
  const r = new ProtoReader(bytes);
  const spans: ZipkinSpan[] = [];
  fields(r, bytes.length, 'ListOfSpans', (f, w) => {
    if (f !== 1 || w !== WireType.LEN) return false;
    spans.push(span(r, spans.length));
    return true;
  });
  return spans;
}

// pdata's writer fills from the end: each message's fields are written last-first
function writeEndpoint(w: ProtoWriter, field: number, e: ZipkinEndpoint | undefined): void {
  if (!e) return;
  const end = w.written;
  w.uint32Field(4, e.port);
  const v6 = e.ipv6 ? ipv6Bytes(e.ipv6) : undefined;
  if (v6) w.bytesField(3, v6);
  const v4 = e.ipv4 ? ipv4Bytes(e.ipv4) : undefined;
  if (v4) w.bytesField(2, v4);
  w.stringField(1, e.serviceName);
  w.closeMessage(field, end);
}

export function encodeSpansProto(spans: ZipkinSpan[]): Uint8Array {
  const w = new ProtoWriter(1024 * spans.length + 64);
  for (let i = spans.length - 1; i >= 0; i--) {
    const s = spans[i];
    const end = w.written;
    if (s.shared) {
      w.bool(true);
      w.tag(13, WireType.VARINT);
    }
    if (s.debug) {
      w.bool(true);
      w.tag(12, WireType.VARINT);
    }
    const tags = [...s.tags];
    for (let t = tags.length - 1; t >= 0; t--) {
      const entry = w.written;
      w.stringField(2, tags[t][1]);
      w.stringField(1, tags[t][0]);
      w.closeMessage(11, entry);
    }
    for (let a = s.annotations.length - 1; a >= 0; a--) {
      const ann = w.written;
      w.stringField(2, s.annotations[a].value);
      w.fixed64Field(1, s.annotations[a].timestamp);
      w.closeMessage(10, ann);
    }
    writeEndpoint(w, 9, s.remoteEndpoint);
    writeEndpoint(w, 8, s.localEndpoint);
    if (s.duration > 0n) {
      w.int64(s.duration);
      w.tag(7, WireType.VARINT);
    }
    w.fixed64Field(6, s.timestamp);
    w.stringField(5, s.name);
    if (s.kind) w.enumField(4, KINDS.indexOf(s.kind) + 1);
    w.bytesField(3, s.id);
    if (s.parentId.length > 0) w.bytesField(2, s.parentId);
    w.bytesField(1, s.traceId.slice(0, 8).every((b) => b === 0) ? s.traceId.slice(8) : s.traceId);
    w.closeMessage(1, end);
  }
  return w.finish();
}
