// OTLP protobuf straight to OTLP/JSON, for data that is still the bytes it was received or
// encoded as (pass-through, see proto/pass-through.ts): no model in between, so a batch that
// waited as one buffer is written without becoming thousands of objects first. The messages
// are described by tables of opentelemetry-proto's field numbers; the JSON rules are the
// writer's (defaults left out, presence kept, ids hex, 64-bit integers as decimal strings).
//
// Canonical encodings only: a field that comes back after another one (a repeated field not in
// one run, a scalar or a oneof set twice) would need protobuf's merge rules, so the transcoder
// gives up and the caller decodes and writes the model instead.
import { ProtoReader, WireType } from '../proto/reader.ts';
import type { JsonWriter } from './writer.ts';

type Scalar =
  | 'string'
  | 'bytes'
  | 'id'
  | 'uint32'
  | 'int32'
  | 'sint32'
  | 'bool'
  | 'fixed32'
  | 'fixed64'
  | 'sfixed64'
  | 'uint64'
  | 'int64'
  | 'double';

export interface Field {
  name: string;
  type: Scalar | Message;
  repeated?: boolean;
  /** written whatever its value: a oneof member or an optional field */
  presence?: boolean;
  /** members of one oneof share a number: only one may be set */
  oneof?: number;
  /** a message field written as {} when the encoding has none, as the model writer does */
  emptyWhenAbsent?: boolean;
  /** an enum: the names JSON may give instead of the number (to-proto.ts) */
  enumNames?: readonly string[];
  /** a trace or span id: its size in bytes (to-proto.ts) */
  idSize?: number;
  /** arrayValue and kvlistValue: one level deeper, bounded by MAX_VALUE_DEPTH (to-proto.ts) */
  nests?: boolean;
}

export interface Message {
  /** by field number */
  fields: Array<Field | undefined>;
  /** bit set of the field numbers with emptyWhenAbsent */
  emptyWhenAbsent: number;
  /** the field numbers, highest first (the order ProtoWriter writes in) */
  descending: number[];
  /**
   * The members of the message's oneof in the order the JSON decoders look for them: when a
   * JSON object sets several, the first one found is the value (to-proto.ts).
   */
  oneofOrder?: number[];
}

function message(fields: Record<number, Field>, oneofOrder?: number[]): Message {
  const out: Message = { fields: [], emptyWhenAbsent: 0, descending: [], oneofOrder };
  for (const [number, field] of Object.entries(fields)) {
    out.fields[Number(number)] = field;
    if (field.emptyWhenAbsent) out.emptyWhenAbsent |= 1 << Number(number);
  }
  out.descending = Object.keys(fields)
    .map(Number)
    .sort((a, b) => b - a);
  return out;
}

const scalar = (name: string, type: Scalar, extra: Partial<Field> = {}): Field => ({ name, type, ...extra });
const repeated = (name: string, type: Scalar | Message): Field => ({ name, type, repeated: true });
const nested = (name: string, type: Message, extra: Partial<Field> = {}): Field => ({ name, type, ...extra });

// common.proto, resource.proto
const ANY_VALUE: Message = { fields: [], emptyWhenAbsent: 0, descending: [] };
// the model writer gives every attribute a value, {} when it has none
const KEY_VALUE = message({
  1: scalar('key', 'string'),
  2: nested('value', ANY_VALUE, { presence: true, emptyWhenAbsent: true }),
});
const VALUE_ONEOF = { presence: true, oneof: 1 };
Object.assign(
  ANY_VALUE,
  message(
    {
      1: scalar('stringValue', 'string', VALUE_ONEOF),
      2: scalar('boolValue', 'bool', VALUE_ONEOF),
      3: scalar('intValue', 'int64', VALUE_ONEOF),
      4: scalar('doubleValue', 'double', VALUE_ONEOF),
      5: nested('arrayValue', message({ 1: repeated('values', ANY_VALUE) }), { ...VALUE_ONEOF, nests: true }),
      6: nested('kvlistValue', message({ 1: repeated('values', KEY_VALUE) }), { ...VALUE_ONEOF, nests: true }),
      7: scalar('bytesValue', 'bytes', VALUE_ONEOF),
    },
    [1, 2, 3, 4, 7, 5, 6],
  ),
);
const TRACE_ID = { idSize: 16 };
const SPAN_ID = { idSize: 8 };

/** The span kinds' names in the .proto, by number (traceutil.SpanKindStr in otelcol). */
export const SPAN_KIND_NAMES = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
export const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
/** SEVERITY_NUMBER_UNSPECIFIED, then SEVERITY_NUMBER_TRACE, _TRACE2.._TRACE4, _DEBUG, ... _FATAL4 */
export const SEVERITY_NUMBERS = [
  'SEVERITY_NUMBER_UNSPECIFIED',
  ...LEVELS.flatMap((level) => [1, 2, 3, 4].map((n) => `SEVERITY_NUMBER_${level}${n === 1 ? '' : n}`)),
];
export const TEMPORALITIES = [
  'AGGREGATION_TEMPORALITY_UNSPECIFIED',
  'AGGREGATION_TEMPORALITY_DELTA',
  'AGGREGATION_TEMPORALITY_CUMULATIVE',
];

const ENTITY_REF = message({
  1: scalar('schemaUrl', 'string'),
  2: scalar('type', 'string'),
  3: repeated('idKeys', 'string'),
  4: repeated('descriptionKeys', 'string'),
});
const RESOURCE = message({
  1: repeated('attributes', KEY_VALUE),
  2: scalar('droppedAttributesCount', 'uint32'),
  3: repeated('entityRefs', ENTITY_REF),
});
const SCOPE = message({
  1: scalar('name', 'string'),
  2: scalar('version', 'string'),
  3: repeated('attributes', KEY_VALUE),
  4: scalar('droppedAttributesCount', 'uint32'),
});

/** TracesData, LogsData and MetricsData: resource level, scope level, items. */
function envelope(resources: string, scopes: string, items: string, item: Message): Message {
  const scopeLevel = message({ 1: nested('scope', SCOPE), 2: repeated(items, item), 3: scalar('schemaUrl', 'string') });
  const resourceLevel = message({
    1: nested('resource', RESOURCE),
    2: repeated(scopes, scopeLevel),
    3: scalar('schemaUrl', 'string'),
  });
  return message({ 1: repeated(resources, resourceLevel) });
}

// trace.proto
const SPAN_EVENT = message({
  1: scalar('timeUnixNano', 'fixed64'),
  2: scalar('name', 'string'),
  3: repeated('attributes', KEY_VALUE),
  4: scalar('droppedAttributesCount', 'uint32'),
});
const SPAN_LINK = message({
  1: scalar('traceId', 'id', TRACE_ID),
  2: scalar('spanId', 'id', SPAN_ID),
  3: scalar('traceState', 'string'),
  4: repeated('attributes', KEY_VALUE),
  5: scalar('droppedAttributesCount', 'uint32'),
  6: scalar('flags', 'fixed32'),
});
const SPAN = message({
  1: scalar('traceId', 'id', TRACE_ID),
  2: scalar('spanId', 'id', SPAN_ID),
  3: scalar('traceState', 'string'),
  4: scalar('parentSpanId', 'id', SPAN_ID),
  5: scalar('name', 'string'),
  6: scalar('kind', 'int32', { enumNames: SPAN_KIND_NAMES }),
  7: scalar('startTimeUnixNano', 'fixed64'),
  8: scalar('endTimeUnixNano', 'fixed64'),
  9: repeated('attributes', KEY_VALUE),
  10: scalar('droppedAttributesCount', 'uint32'),
  11: repeated('events', SPAN_EVENT),
  12: scalar('droppedEventsCount', 'uint32'),
  13: repeated('links', SPAN_LINK),
  14: scalar('droppedLinksCount', 'uint32'),
  15: nested(
    'status',
    message({ 2: scalar('message', 'string'), 3: scalar('code', 'int32', { enumNames: STATUS_CODES }) }),
  ),
  16: scalar('flags', 'fixed32'),
});
export const TRACES_MESSAGE = envelope('resourceSpans', 'scopeSpans', 'spans', SPAN);

// logs.proto
const LOG_RECORD = message({
  1: scalar('timeUnixNano', 'fixed64'),
  2: scalar('severityNumber', 'int32', { enumNames: SEVERITY_NUMBERS }),
  3: scalar('severityText', 'string'),
  5: nested('body', ANY_VALUE),
  6: repeated('attributes', KEY_VALUE),
  7: scalar('droppedAttributesCount', 'uint32'),
  8: scalar('flags', 'fixed32'),
  9: scalar('traceId', 'id', TRACE_ID),
  10: scalar('spanId', 'id', SPAN_ID),
  11: scalar('observedTimeUnixNano', 'fixed64'),
  12: scalar('eventName', 'string'),
});
export const LOGS_MESSAGE = envelope('resourceLogs', 'scopeLogs', 'logRecords', LOG_RECORD);

// metrics.proto
const POINT_VALUE = { presence: true, oneof: 1 };
const OPTIONAL = { presence: true };
const EXEMPLAR = message(
  {
    7: repeated('filteredAttributes', KEY_VALUE),
    2: scalar('timeUnixNano', 'fixed64'),
    3: scalar('asDouble', 'double', POINT_VALUE),
    6: scalar('asInt', 'sfixed64', POINT_VALUE),
    4: scalar('spanId', 'id', SPAN_ID),
    5: scalar('traceId', 'id', TRACE_ID),
  },
  [6, 3],
);
const NUMBER_POINT = message(
  {
    7: repeated('attributes', KEY_VALUE),
    2: scalar('startTimeUnixNano', 'fixed64'),
    3: scalar('timeUnixNano', 'fixed64'),
    4: scalar('asDouble', 'double', POINT_VALUE),
    6: scalar('asInt', 'sfixed64', POINT_VALUE),
    5: repeated('exemplars', EXEMPLAR),
    8: scalar('flags', 'uint32'),
  },
  [6, 4],
);
const HISTOGRAM_POINT = message({
  9: repeated('attributes', KEY_VALUE),
  2: scalar('startTimeUnixNano', 'fixed64'),
  3: scalar('timeUnixNano', 'fixed64'),
  4: scalar('count', 'fixed64'),
  5: scalar('sum', 'double', OPTIONAL),
  6: repeated('bucketCounts', 'fixed64'),
  7: repeated('explicitBounds', 'double'),
  8: repeated('exemplars', EXEMPLAR),
  10: scalar('flags', 'uint32'),
  11: scalar('min', 'double', OPTIONAL),
  12: scalar('max', 'double', OPTIONAL),
});
const BUCKETS = message({ 1: scalar('offset', 'sint32'), 2: repeated('bucketCounts', 'uint64') });
const EXPONENTIAL_POINT = message({
  1: repeated('attributes', KEY_VALUE),
  2: scalar('startTimeUnixNano', 'fixed64'),
  3: scalar('timeUnixNano', 'fixed64'),
  4: scalar('count', 'fixed64'),
  5: scalar('sum', 'double', OPTIONAL),
  6: scalar('scale', 'sint32'),
  7: scalar('zeroCount', 'fixed64'),
  8: nested('positive', BUCKETS),
  9: nested('negative', BUCKETS),
  10: scalar('flags', 'uint32'),
  11: repeated('exemplars', EXEMPLAR),
  12: scalar('min', 'double', OPTIONAL),
  13: scalar('max', 'double', OPTIONAL),
  14: scalar('zeroThreshold', 'double'),
});
const SUMMARY_POINT = message({
  7: repeated('attributes', KEY_VALUE),
  2: scalar('startTimeUnixNano', 'fixed64'),
  3: scalar('timeUnixNano', 'fixed64'),
  4: scalar('count', 'fixed64'),
  5: scalar('sum', 'double'),
  6: repeated('quantileValues', message({ 1: scalar('quantile', 'double'), 2: scalar('value', 'double') })),
  8: scalar('flags', 'uint32'),
});
const TEMPORALITY = scalar('aggregationTemporality', 'int32', { enumNames: TEMPORALITIES });
const DATA = { presence: true, oneof: 1 };
const METRIC = message(
  {
    1: scalar('name', 'string'),
    2: scalar('description', 'string'),
    3: scalar('unit', 'string'),
    5: nested('gauge', message({ 1: repeated('dataPoints', NUMBER_POINT) }), DATA),
    7: nested(
      'sum',
      message({ 1: repeated('dataPoints', NUMBER_POINT), 2: TEMPORALITY, 3: scalar('isMonotonic', 'bool') }),
      DATA,
    ),
    9: nested('histogram', message({ 1: repeated('dataPoints', HISTOGRAM_POINT), 2: TEMPORALITY }), DATA),
    10: nested('exponentialHistogram', message({ 1: repeated('dataPoints', EXPONENTIAL_POINT), 2: TEMPORALITY }), DATA),
    11: nested('summary', message({ 1: repeated('dataPoints', SUMMARY_POINT) }), DATA),
    12: repeated('metadata', KEY_VALUE),
  },
  [5, 7, 9, 10, 11],
);
export const METRICS_MESSAGE = envelope('resourceMetrics', 'scopeMetrics', 'metrics', METRIC);

/** Invalid UTF-8 becomes U+FFFD, as the decoder has it. */
const utf8 = new TextDecoder();

/** The encoding is not canonical (a field came twice): the model has to be decoded instead. */
class NotCanonical extends Error {}

const WIRE_TYPES: Record<Scalar, number> = {
  string: WireType.LEN,
  bytes: WireType.LEN,
  id: WireType.LEN,
  uint32: WireType.VARINT,
  int32: WireType.VARINT,
  sint32: WireType.VARINT,
  bool: WireType.VARINT,
  uint64: WireType.VARINT,
  int64: WireType.VARINT,
  fixed32: WireType.I32,
  fixed64: WireType.I64,
  sfixed64: WireType.I64,
  double: WireType.I64,
};

/** Reads one scalar and writes it (or, for a field without presence, nothing when it is the default). */
function scalarValue(w: JsonWriter, r: ProtoReader, type: Scalar, key: string | undefined): void {
  switch (type) {
    case 'string':
    case 'bytes':
    case 'id': {
      const end = r.len();
      const start = r.pos;
      r.pos = end;
      if (key !== undefined) {
        if (start === end) return;
        w.key(key);
      }
      if (type === 'id') w.idValue(r.buf.subarray(start, end));
      else if (type === 'bytes') w.bytesValue(r.buf.subarray(start, end));
      else if (!w.asciiStringValue(r.buf, start, end)) w.stringValue(utf8.decode(r.buf.subarray(start, end)));
      return;
    }
    case 'double': {
      const v = r.double();
      if (key !== undefined) {
        if (v === 0 && 1 / v > 0) return;
        w.key(key);
      }
      w.numberValue(v);
      return;
    }
    case 'bool': {
      const v = r.bool();
      if (key !== undefined) {
        if (!v) return;
        w.key(key);
      }
      w.boolValue(v);
      return;
    }
    case 'fixed64':
    case 'sfixed64':
    case 'uint64':
    case 'int64': {
      const v =
        type === 'fixed64'
          ? r.fixed64()
          : type === 'sfixed64'
            ? r.sfixed64()
            : type === 'uint64'
              ? r.uint64()
              : r.int64();
      if (key !== undefined) {
        if (v === 0n) return;
        w.key(key);
      }
      w.int64Value(v);
      return;
    }
    default: {
      const v =
        type === 'fixed32' ? r.fixed32() : type === 'int32' ? r.int32() : type === 'sint32' ? r.sint32() : r.uint32();
      if (key !== undefined) {
        if (v === 0) return;
        w.key(key);
      }
      w.numberValue(v);
    }
  }
}

/** The fields of one message, from r.pos to end, into the object the writer has open. */
function fields(w: JsonWriter, r: ProtoReader, end: number, spec: Message): void {
  // bit sets of the field numbers and oneofs already written (OTLP's numbers are all below 32)
  let seen = 0;
  let oneofs = 0;
  let openArray = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const number = tag >>> 3;
    const field = spec.fields[number];
    const type = field?.type;
    const scalarType = typeof type === 'string' ? type : undefined;
    const packed =
      field?.repeated === true &&
      scalarType !== undefined &&
      WIRE_TYPES[scalarType] !== WireType.LEN &&
      (tag & 7) === WireType.LEN;
    const expected = scalarType === undefined ? WireType.LEN : WIRE_TYPES[scalarType];
    if (field === undefined || ((tag & 7) !== expected && !packed)) {
      r.skip(tag);
      continue;
    }
    if (openArray !== 0 && openArray !== number) {
      w.closeArray();
      openArray = 0;
    }
    const bit = 1 << number;
    if (openArray !== number) {
      if (seen & bit) throw new NotCanonical();
      seen |= bit;
      if (field.oneof !== undefined) {
        if (oneofs & (1 << field.oneof)) throw new NotCanonical();
        oneofs |= 1 << field.oneof;
      }
    }
    if (field.repeated) {
      if (openArray === number) w.arraySeparator();
      else {
        w.key(field.name);
        w.openArray();
        openArray = number;
      }
      if (scalarType === undefined) {
        element(w, r, type as Message);
      } else if (packed) {
        const packedEnd = r.len();
        for (let first = true; r.pos < packedEnd; first = false) {
          if (!first) w.arraySeparator();
          scalarValue(w, r, scalarType, undefined);
        }
        if (r.pos !== packedEnd) throw r.error('packed field overruns its length');
      } else {
        scalarValue(w, r, scalarType, undefined);
      }
    } else if (scalarType !== undefined) {
      if (field.presence) {
        w.key(field.name);
        scalarValue(w, r, scalarType, undefined);
      } else {
        scalarValue(w, r, scalarType, field.name);
      }
    } else {
      const nestedEnd = r.len();
      if (field.presence) {
        w.key(field.name);
        w.open();
        fields(w, r, nestedEnd, type as Message);
        w.close();
      } else {
        const mark = w.openOptional(field.name);
        fields(w, r, nestedEnd, type as Message);
        w.closeOptional(mark);
      }
      r.pos = nestedEnd;
    }
  }
  if (openArray !== 0) w.closeArray();
  if (r.pos !== end) throw r.error('a field overruns its message');
  for (let missing = spec.emptyWhenAbsent & ~seen, number = 0; missing !== 0; missing >>>= 1, number++) {
    if (!(missing & 1)) continue;
    w.key(spec.fields[number]!.name);
    w.open();
    w.close();
  }
}

/** One element of a repeated message field: a whole object, empty or not. */
function element(w: JsonWriter, r: ProtoReader, spec: Message): void {
  const end = r.len();
  w.open();
  fields(w, r, end, spec);
  w.close();
  r.pos = end;
}

/**
 * The request `bytes` (already checked to decode) as OTLP/JSON fields of the object the writer
 * has open; false when the encoding is not canonical and nothing usable was written.
 */
export function transcodeFields(w: JsonWriter, bytes: Uint8Array, spec: Message): boolean {
  try {
    fields(w, new ProtoReader(bytes), bytes.length, spec);
    return true;
  } catch (err) {
    if (err instanceof NotCanonical) return false;
    throw err;
  }
}
