// OTLP/JSON straight to OTLP protobuf, for the receivers: the parsed JSON is checked and written
// as protobuf in one walk over the message tables (transcode.ts), with no model in between. The
// bytes then travel as pass-through data (proto/pass-through.ts), as a protobuf request does:
// batched by concatenation, sent on as they are, decoded only if a processor looks. A model of
// a few thousand spans is tens of thousands of objects that wait in the old generation for the
// batch to leave; the bytes are one buffer.
//
// The checks and their messages are the JSON decoders' (values.ts), field by field with the
// same paths, and what is written is what encoding their model would write: a oneof set
// several times takes the member the decoders take (Message.oneofOrder), a field at its
// default is left out unless it has presence, an empty message is left out unless it has
// presence. json-to-proto.test.ts holds both to that.
import { DecodeError } from '../decode-error.ts';
import { MAX_VALUE_DEPTH, WireType } from '../proto/reader.ts';
import { ProtoWriter } from '../proto/writer.ts';
import { EncodeBuffer } from '../encode-buffer.ts';
import { jsonBytesToProto } from './bytes-to-proto.ts';
import type { Field, Message } from './transcode.ts';
import {
  asArray,
  asObject,
  boolField,
  bytesField,
  enumField,
  field,
  idBytes,
  int64Field,
  intField,
  optionalDoubleField,
  parseJson,
  stringField,
  toBigInt,
  toDouble,
  uint32Field,
  type JsonObject,
} from './values.ts';

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

interface Walk {
  w: ProtoWriter;
  /**
   * Whether element paths are built: not on the first walk, which costs a string per element;
   * a request that fails is walked again with them, for the decoders' message.
   */
  paths: boolean;
  /** the repeated field whose elements are the signal's items (spans, dataPoints, logRecords) */
  counted: string;
  items: number;
}

/**
 * A JSON request (text, parsed, or the UTF-8 bytes of a request body) as protobuf bytes of
 * `spec`, with its item count; DecodeError when invalid. Bytes go through the fast path
 * (bytes-to-proto.ts) when it takes them.
 */
export function jsonToProto(
  input: string | object | Uint8Array,
  spec: Message,
  what: string,
  counted: string,
): { bytes: Uint8Array; items: number } {
  if (input instanceof Uint8Array) {
    const fast = jsonBytesToProto(input, spec, counted);
    if (fast !== undefined) return fast;
    input = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  }
  const o = parseJson(input, what);
  const walk = (paths: boolean): { bytes: Uint8Array; items: number } => {
    const state: Walk = { w: new ProtoWriter(8192, memory), paths, counted, items: 0 };
    writeFields(state, o, spec, '$', 0);
    // a copy of exactly the output: the memory is reused, and the bytes may wait in a batch
    return { bytes: state.w.finish().slice(), items: state.items };
  };
  try {
    return walk(false);
  } catch (err) {
    if (err instanceof DecodeError) walk(true);
    throw err;
  }
}

/** The writers' memory, reused by every request (it grows to the largest one's protobuf). */
const memory = new EncodeBuffer();

/** The fields of `o` as `spec`, highest number first (ProtoWriter writes backwards). */
function writeFields(walk: Walk, o: JsonObject, spec: Message, path: string, depth: number): void {
  const w = walk.w;
  let chosen = -1;
  if (spec.oneofOrder !== undefined)
    for (const number of spec.oneofOrder)
      if (field(o, spec.fields[number]!.name) !== undefined) {
        chosen = number;
        break;
      }
  for (const number of spec.descending) {
    const f = spec.fields[number]!;
    if (f.oneof !== undefined && number !== chosen) continue;
    const v = field(o, f.name);
    if (v === undefined) continue;
    const type = f.type;
    if (typeof type !== 'string') {
      if (f.repeated) {
        const values = asArray(v, walk.paths ? `${path}.${f.name}` : path);
        if (f.name === walk.counted) walk.items += values.length;
        for (let i = values.length - 1; i >= 0; i--) {
          const elementPath = walk.paths ? `${path}.${f.name}[${i}]` : path;
          const end = w.written;
          writeFields(walk, asObject(values[i], elementPath), type, elementPath, depth);
          w.closeMessage(number, end);
        }
      } else {
        const nestedPath = walk.paths ? `${path}.${f.name}` : path;
        if (f.nests && depth >= MAX_VALUE_DEPTH)
          throw new DecodeError(`${nestedPath}: values nest deeper than ${MAX_VALUE_DEPTH} levels`);
        const end = w.written;
        writeFields(walk, asObject(v, nestedPath), type, nestedPath, f.nests ? depth + 1 : depth);
        // an attribute's value (emptyWhenAbsent) is every attribute's: the encoding leaves an empty one out
        if ((f.presence && !f.emptyWhenAbsent) || w.written !== end) w.closeMessage(number, end);
      }
    } else if (f.repeated) {
      const at = walk.paths ? `${path}.${f.name}` : path;
      writeRepeatedScalar(w, asArray(v, at), f, number, at, walk.paths);
    } else {
      writeScalar(w, o, f, number, path);
    }
  }
}

function writeScalar(w: ProtoWriter, o: JsonObject, f: Field, number: number, path: string): void {
  const presence = f.presence === true;
  switch (f.type) {
    case 'string':
    case 'bytes':
    case 'id': {
      if (f.type === 'string') {
        const s = stringField(o, f.name, path);
        if (!presence && s.length === 0) return;
        w.string(s);
      } else {
        const b = f.type === 'id' ? idBytes(o, f.name, path, f.idSize!) : bytesField(o, f.name, path);
        if (!presence && b.length === 0) return;
        w.bytes(b);
      }
      w.tag(number, WireType.LEN);
      return;
    }
    case 'bool': {
      const b = boolField(o, f.name, path);
      if (!presence && !b) return;
      w.bool(b);
      w.tag(number, WireType.VARINT);
      return;
    }
    case 'double': {
      const d = optionalDoubleField(o, f.name, path)!;
      if (!presence && d === 0 && 1 / d > 0) return;
      w.double(d);
      w.tag(number, WireType.I64);
      return;
    }
    case 'fixed64':
    case 'uint64':
    case 'int64':
    case 'sfixed64': {
      const signed = f.type === 'int64' || f.type === 'sfixed64';
      const n = int64Field(o, f.name, path, signed);
      if (!presence && n === 0n) return;
      if (f.type === 'fixed64') w.fixed64(n);
      else if (f.type === 'sfixed64') w.sfixed64(n);
      else w.int64(n);
      w.tag(number, f.type === 'fixed64' || f.type === 'sfixed64' ? WireType.I64 : WireType.VARINT);
      return;
    }
    case 'fixed32':
    case 'uint32': {
      const n = uint32Field(o, f.name, path);
      if (!presence && n === 0) return;
      if (f.type === 'fixed32') w.fixed32(n);
      else w.uint32(n);
      w.tag(number, f.type === 'fixed32' ? WireType.I32 : WireType.VARINT);
      return;
    }
    case 'int32':
    case 'sint32': {
      const n = f.enumNames ? enumField(o, f.name, path, f.enumNames) : intField(o, f.name, path, INT32_MIN, INT32_MAX);
      if (!presence && n === 0) return;
      if (f.type === 'sint32') w.sint32(n);
      else w.int32(n);
      w.tag(number, WireType.VARINT);
    }
  }
}

/** Strings one field each; numbers packed, as the model's encoder writes them. */
function writeRepeatedScalar(
  w: ProtoWriter,
  values: unknown[],
  f: Field,
  number: number,
  path: string,
  paths: boolean,
): void {
  if (values.length === 0) return;
  if (f.type === 'string') {
    for (let i = values.length - 1; i >= 0; i--) {
      const s = values[i];
      if (typeof s !== 'string') throw new DecodeError(`${path}[${i}]: expected a string`);
      w.string(s);
      w.tag(number, WireType.LEN);
    }
    return;
  }
  const end = w.written;
  for (let i = values.length - 1; i >= 0; i--) {
    const at = paths ? `${path}[${i}]` : path;
    if (f.type === 'double') w.double(toDouble(values[i], at));
    else if (f.type === 'fixed64') w.fixed64(toBigInt(values[i], at, false));
    else if (f.type === 'uint64') w.int64(toBigInt(values[i], at, false));
    else throw new Error(`to-proto: no packed writer for ${f.type}`);
  }
  w.closeMessage(number, end);
}
