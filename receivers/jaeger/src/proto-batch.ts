// jaeger.api_v2's PostSpansRequest { Batch batch = 1; } and the model.proto messages in it,
// read with pdata's bounded protobuf reader:
//   Batch    { repeated Span spans = 1; Process process = 2; }
//   Span     { bytes trace_id = 1; bytes span_id = 2; string operation_name = 3;
//              repeated SpanRef references = 4; uint32 flags = 5; Timestamp start_time = 6;
//              Duration duration = 7; repeated KeyValue tags = 8; repeated Log logs = 9;
//              Process process = 10; string process_id = 11; repeated string warnings = 12; }
//   SpanRef  { bytes trace_id = 1; bytes span_id = 2; SpanRefType ref_type = 3; }
//   Process  { string service_name = 1; repeated KeyValue tags = 2; }
//   Log      { Timestamp timestamp = 1; repeated KeyValue fields = 2; }
//   KeyValue { string key = 1; ValueType v_type = 2; string v_str = 3; bool v_bool = 4;
//              int64 v_int64 = 5; double v_float64 = 6; bytes v_binary = 7; }
//   Timestamp / Duration { int64 seconds = 1; int32 nanos = 2; }
import { ProtoReader, WireType, type KeyValue } from '@flowtel/pdata';
import {
  EMPTY,
  tagValue,
  type TagFields,
  type TagKind,
  type JaegerBatch,
  type JaegerLog,
  type JaegerProcess,
  type JaegerRef,
  type JaegerSpan,
} from './model.ts';

/** model.proto's ValueType, in its order */
const TAG_KINDS: TagKind[] = ['string', 'bool', 'int64', 'float64', 'binary'];

/** Calls `on` for each field up to `end`; the fields it does not take (false) are skipped. */
function fields(r: ProtoReader, end: number, what: string, on: (field: number, wire: number) => boolean): void {
  while (r.pos < end) {
    const tag = r.uint32();
    if (!on(tag >>> 3, tag & 7)) r.skip(tag);
  }
  r.expectEnd(end, what);
}

function message<T>(r: ProtoReader, what: string, read: (end: number) => T): T {
  const end = r.len();
  const v = read(end);
  r.expectEnd(end, what);
  return v;
}

/** Jaeger's TraceID/SpanID marshal as 16/8 big-endian bytes; fewer is "buffer is too short" as in jaeger's model. */
function id(r: ProtoReader, size: 8 | 16, what: string): Uint8Array {
  const at = r.pos;
  const b = r.bytes();
  if (b.length === 0) return EMPTY;
  if (b.length !== size) throw r.error(`${what} is ${b.length} bytes, expected ${size}`, at);
  return b;
}

/** Timestamp or Duration as nanoseconds. */
function nanos(r: ProtoReader, what: string): bigint {
  return message(r, what, (end) => {
    let seconds = 0n;
    let n = 0;
    fields(r, end, what, (f, w) => {
      if (f === 1 && w === WireType.VARINT) seconds = r.int64();
      else if (f === 2 && w === WireType.VARINT) n = r.int32();
      else return false;
      return true;
    });
    return seconds * 1_000_000_000n + BigInt(n);
  });
}

function keyValue(r: ProtoReader): KeyValue {
  return message(r, 'KeyValue', (end) => {
    let key = '';
    let vType = 0;
    const v: TagFields = { str: '', bool: false, int64: 0n, float64: 0, binary: EMPTY };
    fields(r, end, 'KeyValue', (f, w) => {
      if (f === 1 && w === WireType.LEN) key = r.string();
      else if (f === 2 && w === WireType.VARINT) vType = r.int32();
      else if (f === 3 && w === WireType.LEN) v.str = r.string();
      else if (f === 4 && w === WireType.VARINT) v.bool = r.bool();
      else if (f === 5 && w === WireType.VARINT) v.int64 = r.int64();
      else if (f === 6 && w === WireType.I64) v.float64 = r.double();
      else if (f === 7 && w === WireType.LEN) v.binary = r.bytes().slice();
      else return false;
      return true;
    });
    // gogo's String() of an unknown enum value is its number
    return { key, value: tagValue(TAG_KINDS[vType], v, String(vType)) };
  });
}

function processOf(r: ProtoReader): JaegerProcess {
  return message(r, 'Process', (end) => {
    let serviceName = '';
    let tags: KeyValue[] | undefined;
    fields(r, end, 'Process', (f, w) => {
      if (f === 1 && w === WireType.LEN) serviceName = r.string();
      else if (f === 2 && w === WireType.LEN) (tags ??= []).push(keyValue(r));
      else return false;
      return true;
    });
    return { serviceName, tags };
  });
}

function log(r: ProtoReader): JaegerLog {
  return message(r, 'Log', (end) => {
    let timeUnixNano = 0n;
    const logFields: KeyValue[] = [];
    fields(r, end, 'Log', (f, w) => {
      if (f === 1 && w === WireType.LEN) timeUnixNano = nanos(r, 'Log.timestamp');
      else if (f === 2 && w === WireType.LEN) logFields.push(keyValue(r));
      else return false;
      return true;
    });
    return { timeUnixNano: BigInt.asUintN(64, timeUnixNano), fields: logFields };
  });
}

function spanRef(r: ProtoReader): JaegerRef {
  return message(r, 'SpanRef', (end) => {
    let traceId = EMPTY;
    let spanId = EMPTY;
    let refType = 0;
    fields(r, end, 'SpanRef', (f, w) => {
      if (f === 1 && w === WireType.LEN) traceId = id(r, 16, 'SpanRef.trace_id');
      else if (f === 2 && w === WireType.LEN) spanId = id(r, 8, 'SpanRef.span_id');
      else if (f === 3 && w === WireType.VARINT) refType = r.int32();
      else return false;
      return true;
    });
    return { traceId, spanId, refType };
  });
}

function span(r: ProtoReader): JaegerSpan {
  return message(r, 'Span', (end) => {
    const s: JaegerSpan = {
      traceId: EMPTY,
      spanId: EMPTY,
      parentSpanId: EMPTY,
      operationName: '',
      references: [],
      flags: 0,
      startTimeUnixNano: 0n,
      durationNano: 0n,
      tags: [],
      logs: [],
    };
    fields(r, end, 'Span', (f, w) => {
      if (w === WireType.LEN) {
        switch (f) {
          case 1:
            s.traceId = id(r, 16, 'Span.trace_id');
            return true;
          case 2:
            s.spanId = id(r, 8, 'Span.span_id');
            return true;
          case 3:
            s.operationName = r.string();
            return true;
          case 4:
            s.references.push(spanRef(r));
            return true;
          case 6:
            s.startTimeUnixNano = BigInt.asUintN(64, nanos(r, 'Span.start_time'));
            return true;
          case 7:
            s.durationNano = nanos(r, 'Span.duration');
            return true;
          case 8:
            s.tags.push(keyValue(r));
            return true;
          case 9:
            s.logs.push(log(r));
            return true;
          case 10:
            s.process = processOf(r);
            return true;
          default:
            return false;
        }
      }
      if (f === 5 && w === WireType.VARINT) {
        s.flags = r.uint32();
        return true;
      }
      return false;
    });
    return s;
  });
}

/** The Batch of a PostSpansRequest (an empty request is an empty batch). */
export function decodePostSpansRequest(bytes: Uint8Array): JaegerBatch {
  const r = new ProtoReader(bytes);
  const batch: JaegerBatch = { spans: [] };
  fields(r, bytes.length, 'PostSpansRequest', (f, w) => {
    if (f !== 1 || w !== WireType.LEN) return false;
    message(r, 'Batch', (end) =>
      fields(r, end, 'Batch', (bf, bw) => {
        if (bw !== WireType.LEN) return false;
        if (bf === 1) batch.spans.push(span(r));
        else if (bf === 2) batch.process = processOf(r);
        else return false;
        return true;
      }),
    );
    return true;
  });
  return batch;
}
