// OTLP/JSON request bodies straight from their bytes to OTLP protobuf: the fast path of
// to-proto.ts. Decoding the body to a string and JSON.parse were two thirds of the JSON cost;
// this reads the UTF-8 bytes once and writes protobuf forwards, copying strings as the bytes
// they already are and hex ids into their bytes, with no string or object per value.
//
// It takes only what it can write exactly as to-proto.ts would (the model encoder's bytes):
// anything else (an escaped key, a string escape it does not decode, a number written with an
// exponent where an integer belongs, base64, a oneof or a key given twice, invalid JSON, ...)
// makes it give up and return undefined, and the caller takes the slow path over the whole
// request, which answers with the decoders' checks and messages. So there is one set of
// rules; this only has to agree with it where it answers (bytes-to-proto.test.ts compares both
// over the SDKs' JSON and generated variations).
//
// Writing forwards, a nested message's length is known only after its body: one byte is
// reserved for it and the body moved when the length needs more. The model encoder writes
// fields in field-number order; JSON keys come in any order (the JS SDK puts a span's status
// before its links), so a message whose fields came out of order has them put in order at its end.
import { isUtf8 } from 'node:buffer';
import { MAX_VALUE_DEPTH, WireType } from '../proto/reader.ts';
import { putVarint64 } from '../proto/writer.ts';
import type { Field, Message } from './transcode.ts';
import { BASE64, INTEGER } from './values.ts';

/** Thrown to give up; caught in jsonBytesToProto only. */
class Unsupported extends Error {}
const GIVE_UP = new Unsupported('not on the fast path');

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[ZERO + c] = c;
for (let c = 0; c < 6; c++) HEX[97 + c] = HEX[65 + c] = 10 + c;

/** A message's fields as this reader uses them, with its keys by their bytes. */
interface Compiled {
  /** camelCase and snake_case names, as values.ts's field() takes them, by bucketOf */
  buckets: Array<Array<KeyName> | undefined>;
  /**
   * The key that followed each field (by number; 0: the first key) the last time: senders write
   * their objects' keys in one order, so this is usually the next key, compared in one pass.
   */
  next: Array<KeyName | undefined>;
}
interface KeyName {
  name: Uint8Array;
  field: CompiledField;
}
interface CompiledField {
  number: number;
  f: Field;
  kind: number;
  message: Compiled | undefined;
  /** the repeated field whose elements are counted */
  counted: boolean;
}
const BUCKETS = 64;
const bucketOf = (len: number, first: number, last: number) => (len * 7 + first * 3 + last) & (BUCKETS - 1);

// field kinds, for a switch on small integers
const K_MESSAGE = 0;
const K_MESSAGES = 1;
const K_SCALARS = 2;
const K_STRING = 3;
const K_ID = 4;
const K_BYTES = 5;
const K_BOOL = 6;
const K_DOUBLE = 7;
const K_FIXED64 = 8;
const K_VARINT64 = 9;
const K_FIXED32 = 10;
const K_UINT32 = 11;
const K_INT32 = 12;
const K_SINT32 = 13;
const KINDS: Record<string, number> = {
  string: K_STRING,
  id: K_ID,
  bytes: K_BYTES,
  bool: K_BOOL,
  double: K_DOUBLE,
  fixed64: K_FIXED64,
  sfixed64: K_FIXED64,
  uint64: K_VARINT64,
  int64: K_VARINT64,
  fixed32: K_FIXED32,
  uint32: K_UINT32,
  int32: K_INT32,
  sint32: K_SINT32,
};

/** the compiled top-level messages, by message and counted field */
const compiledTops = new Map<Message, Map<string, Compiled>>();

function compile(spec: Message, countedField: string, done: Map<Message, Compiled>): Compiled {
  let c = done.get(spec);
  if (c) return c;
  c = { buckets: new Array(BUCKETS), next: new Array(32).fill(undefined) };
  done.set(spec, c);
  for (const number of spec.descending) {
    const f = spec.fields[number]!;
    const type = f.type;
    const field: CompiledField = {
      number,
      f,
      kind: typeof type !== 'string' ? (f.repeated ? K_MESSAGES : K_MESSAGE) : f.repeated ? K_SCALARS : KINDS[type]!,
      message: typeof type !== 'string' ? compile(type, countedField, done) : undefined,
      counted: f.name === countedField,
    };
    const camel = f.name;
    const snake = camel.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
    for (const name of snake === camel ? [camel] : [camel, snake]) {
      const bytes = Buffer.from(name, 'latin1');
      const b = bucketOf(bytes.length, bytes[0]!, bytes[bytes.length - 1]!);
      (c.buckets[b] ??= []).push({ name: bytes, field });
    }
  }
  return c;
}

function compiledTop(spec: Message, countedField: string): Compiled {
  let bySpec = compiledTops.get(spec);
  if (!bySpec) compiledTops.set(spec, (bySpec = new Map()));
  let c = bySpec.get(countedField);
  if (!c) bySpec.set(countedField, (c = compile(spec, countedField, new Map())));
  return c;
}

// The state of one conversion (requests are converted one at a time, synchronously).
let input: Uint8Array = new Uint8Array(0);
let at = 0;
/** the output; reused by every request, grown to the largest one */
let out = new Uint8Array(64 * 1024);
let o = 0;
let items = 0;
/** the fields of the messages being written (a stack): number, start and end in `out` */
let segNumber = new Int32Array(256);
let segStart = new Int32Array(256);
let segEnd = new Int32Array(256);
let segTop = 0;
let scratch = new Uint8Array(4096);

/**
 * The JSON request in `body` as protobuf bytes of `spec` with its item count (the elements of
 * the repeated field named `countedField`), or undefined when it is not on the fast path.
 */
export function jsonBytesToProto(
  body: Uint8Array,
  spec: Message,
  countedField: string,
): { bytes: Uint8Array; items: number } | undefined {
  input = body;
  at = 0;
  o = 0;
  segTop = 0;
  items = 0;
  const top = compiledTop(spec, countedField);
  try {
    skipSpace();
    if (input[at] !== OPEN_OBJECT) return undefined;
    readMessage(top, 0);
    skipSpace();
    if (at !== input.length) return undefined;
    // a copy of exactly the output: the memory is reused, and the bytes may wait in a batch
    // a plain Uint8Array (not a Buffer, whose slice() is a view) over memory not zeroed first
    const bytes = new Uint8Array(Buffer.allocUnsafeSlow(o).buffer, 0, o);
    bytes.set(out.subarray(0, o));
    return { bytes, items };
  } catch (err) {
    // the stack overflowing on absurd nesting is a give-up as well
    if (err === GIVE_UP || err instanceof RangeError) return undefined;
    throw err;
  } finally {
    input = EMPTY;
  }
}
const EMPTY = new Uint8Array(0);

function skipSpace(): void {
  const buf = input;
  let i = at;
  for (;;) {
    const c = buf[i];
    if (c === 32 || c === 10 || c === 13 || c === 9) i++;
    else break;
  }
  at = i;
}

function expect(c: number): void {
  skipSpace();
  if (input[at] !== c) throw GIVE_UP;
  at++;
}

function ensure(n: number): void {
  if (o + n <= out.length) return;
  let size = out.length * 2;
  while (size < o + n) size *= 2;
  const next = new Uint8Array(size);
  next.set(out.subarray(0, o));
  out = next;
}

function varint(v: number): void {
  // v < 2^32
  while (v >= 0x80) {
    out[o++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[o++] = v;
}

const varintSize = (v: number) => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5);

function tag(number: number, wireType: number): void {
  ensure(16);
  varint(((number << 3) | wireType) >>> 0);
}

/** The tag of a length-delimited field, and room for its length's first byte. */
function lengthDelimited(number: number): void {
  ensure(6);
  if (number < 16) out[o++] = (number << 3) | WireType.LEN;
  else varint((number << 3) | WireType.LEN);
}

/** Reserve the one byte a length usually takes; the body starts at the returned offset. */
function openLength(): number {
  ensure(1);
  o++;
  return o;
}

/** Write the length of the body from `start`, moving the body when it needs more than one byte. */
function closeLength(start: number): void {
  const len = o - start;
  if (len < 0x80) {
    out[start - 1] = len;
    return;
  }
  const extra = varintSize(len) - 1;
  ensure(extra);
  out.copyWithin(start + extra, start, o);
  const end = o + extra;
  o = start - 1;
  varint(len);
  o = end;
}

/** An object as the fields of `spec`; `at` is on its `{`. */
function readMessage(spec: Compiled, depth: number): void {
  const buf = input;
  at++;
  const base = segTop;
  let seen = 0;
  let oneofSeen = false;
  let last = 0;
  /** the field of the key before (0 before the first key, 31 after an unknown one) */
  let previous = 0;
  let ordered = true;
  if (buf[at]! <= 32) skipSpace();
  if (buf[at] === CLOSE_OBJECT) {
    at++;
    return;
  }
  for (;;) {
    if (buf[at]! <= 32) skipSpace();
    if (buf[at] !== QUOTE) throw GIVE_UP;
    const cf = readKey(spec, previous);
    previous = cf === undefined ? 31 : cf.number;
    if (buf[at]! <= 32) skipSpace();
    if (buf[at] !== COLON) throw GIVE_UP;
    at++;
    if (buf[at]! <= 32) skipSpace();
    if (cf === undefined) {
      skipValue(0);
    } else {
      // a field given twice (two keys, or camelCase and snake_case) follows JSON.parse's and
      // field()'s precedence: the slow path's business
      const number = cf.number;
      // (a bit per field: OTLP's numbers are below 31)
      const bit = 1 << number;
      if (number > 30 || (seen & bit) !== 0) throw GIVE_UP;
      seen |= bit;
      if (buf[at] === 110 /* n */) {
        literal(NULL);
      } else {
        if (cf.f.oneof !== undefined) {
          if (oneofSeen) throw GIVE_UP;
          oneofSeen = true;
        }
        const start = o;
        writeField(cf, depth);
        if (o !== start) {
          if (number < last) ordered = false;
          last = number;
          pushSegment(number, start);
        }
      }
    }
    if (buf[at]! <= 32) skipSpace();
    const c = buf[at++];
    if (c === CLOSE_OBJECT) break;
    if (c !== COMMA) throw GIVE_UP;
  }
  if (!ordered) sortSegments(base);
  segTop = base;
}

function pushSegment(number: number, start: number): void {
  if (segTop === segNumber.length) {
    const grow = (a: Int32Array) => {
      const next = new Int32Array(a.length * 2);
      next.set(a);
      return next;
    };
    segNumber = grow(segNumber);
    segStart = grow(segStart);
    segEnd = grow(segEnd);
  }
  segNumber[segTop] = number;
  segStart[segTop] = start;
  segEnd[segTop] = o;
  segTop++;
}

/** Put the fields written since segment `base` in field-number order, as the model encoder writes them. */
function sortSegments(base: number): void {
  const from = segStart[base]!;
  const len = o - from;
  if (scratch.length < len) scratch = new Uint8Array(Math.max(len, scratch.length * 2));
  scratch.set(out.subarray(from, o));
  const order: number[] = [];
  for (let s = base; s < segTop; s++) order.push(s);
  order.sort((a, b) => segNumber[a]! - segNumber[b]!);
  let w = from;
  for (const s of order) {
    const size = segEnd[s]! - segStart[s]!;
    out.set(scratch.subarray(segStart[s]! - from, segEnd[s]! - from), w);
    w += size;
  }
}

/**
 * A key, `at` on its opening quote: the field it names, undefined for none. `after` is the
 * number of the field before it (0 for the first).
 */
function readKey(spec: Compiled, after: number): CompiledField | undefined {
  const buf = input;
  const start = ++at;
  const predicted = spec.next[after];
  if (predicted !== undefined) {
    const name = predicted.name;
    const len = name.length;
    let j = 0;
    while (j < len && name[j] === buf[start + j]) j++;
    if (j === len && buf[start + len] === QUOTE) {
      at = start + len + 1;
      return predicted.field;
    }
  }
  let i = start;
  for (;;) {
    const c = buf[i]!;
    if (c === QUOTE) break;
    // an escaped key, or the input's end
    if (c === BACKSLASH || !(c >= 0x20)) throw GIVE_UP;
    i++;
  }
  at = i + 1;
  const len = i - start;
  if (len === 0) return undefined;
  const bucket = spec.buckets[bucketOf(len, buf[start]!, buf[i - 1]!)];
  if (bucket === undefined) return undefined;
  for (let k = 0; k < bucket.length; k++) {
    const name = bucket[k]!.name;
    if (name.length !== len) continue;
    let j = 0;
    while (j < len && name[j] === buf[start + j]) j++;
    if (j === len) {
      spec.next[after] = bucket[k];
      return bucket[k]!.field;
    }
  }
  return undefined;
}

function writeField(cf: CompiledField, depth: number): void {
  const buf = input;
  const f = cf.f;
  const number = cf.number;
  const presence = f.presence === true;
  switch (cf.kind) {
    case K_MESSAGES: {
      if (buf[at] !== OPEN_ARRAY) throw GIVE_UP;
      at++;
      if (buf[at]! <= 32) skipSpace();
      if (buf[at] === CLOSE_ARRAY) {
        at++;
        return;
      }
      const message = cf.message!;
      let n = 0;
      for (;;) {
        if (buf[at]! <= 32) skipSpace();
        if (buf[at] !== OPEN_OBJECT) throw GIVE_UP;
        lengthDelimited(number);
        const start = ++o;
        readMessage(message, depth);
        closeLength(start);
        n++;
        if (buf[at]! <= 32) skipSpace();
        const c = buf[at++];
        if (c === CLOSE_ARRAY) break;
        if (c !== COMMA) throw GIVE_UP;
      }
      if (cf.counted) items += n;
      return;
    }
    case K_MESSAGE: {
      if (buf[at] !== OPEN_OBJECT) throw GIVE_UP;
      if (f.nests && depth >= MAX_VALUE_DEPTH) throw GIVE_UP;
      const before = o;
      lengthDelimited(number);
      const start = ++o;
      readMessage(cf.message!, f.nests ? depth + 1 : depth);
      // an empty message is left out unless it has presence; an attribute's value
      // (emptyWhenAbsent) is left out when empty, as the encoding of every attribute does
      if (o === start && !(presence && !f.emptyWhenAbsent)) o = before;
      else closeLength(start);
      return;
    }
    case K_SCALARS:
      writeRepeatedScalar(f, number);
      return;
    case K_STRING:
      writeString(number, presence);
      return;
    case K_ID:
      writeId(number, f.idSize!);
      return;
    case K_BYTES: {
      const b = readBase64();
      if (!presence && b.length === 0) return;
      tag(number, WireType.LEN);
      ensure(b.length + 5);
      varint(b.length);
      out.set(b, o);
      o += b.length;
      return;
    }
    case K_BOOL: {
      let b: boolean;
      if (buf[at] === 116 /* t */) {
        literal(TRUE);
        b = true;
      } else {
        literal(FALSE);
        b = false;
      }
      if (!presence && !b) return;
      tag(number, WireType.VARINT);
      out[o++] = b ? 1 : 0;
      return;
    }
    case K_DOUBLE: {
      const d = readDouble();
      if (!presence && d === 0 && 1 / d > 0) return;
      tag(number, WireType.I64);
      ensure(8);
      writeDouble(d);
      return;
    }
    case K_FIXED64:
    case K_VARINT64: {
      const type = f.type;
      readInt64(type === 'int64' || type === 'sfixed64');
      if (!presence && lo === 0 && hi === 0) return;
      if (cf.kind === K_FIXED64) {
        tag(number, WireType.I64);
        ensure(8);
        writeFixed32(lo);
        writeFixed32(hi);
      } else {
        tag(number, WireType.VARINT);
        varint64(lo, hi);
      }
      return;
    }
    case K_FIXED32:
    case K_UINT32: {
      const n = readInt32(0, 0xffffffff, undefined);
      if (!presence && n === 0) return;
      if (cf.kind === K_FIXED32) {
        tag(number, WireType.I32);
        ensure(4);
        writeFixed32(n);
      } else {
        tag(number, WireType.VARINT);
        varint(n);
      }
      return;
    }
    case K_INT32:
    case K_SINT32: {
      const n = readInt32(-0x80000000, 0x7fffffff, f.enumNames);
      if (!presence && n === 0) return;
      tag(number, WireType.VARINT);
      ensure(10);
      if (cf.kind === K_SINT32) varint(((n << 1) ^ (n >> 31)) >>> 0);
      else if (n >= 0) varint(n);
      else varint64(n >>> 0, 0xffffffff);
      return;
    }
  }
}

/** Strings one field each; numbers packed, as to-proto.ts writes them. */
function writeRepeatedScalar(f: Field, number: number): void {
  if (input[at] !== OPEN_ARRAY) throw GIVE_UP;
  at++;
  skipSpace();
  if (input[at] === CLOSE_ARRAY) {
    at++;
    return;
  }
  const packed = f.type !== 'string';
  let start = 0;
  if (packed) {
    tag(number, WireType.LEN);
    start = openLength();
  }
  for (;;) {
    skipSpace();
    if (f.type === 'string') {
      writeString(number, true);
    } else if (f.type === 'double') {
      const d = readDouble();
      ensure(8);
      writeDouble(d);
    } else if (f.type === 'fixed64') {
      readInt64(false);
      ensure(8);
      writeFixed32(lo);
      writeFixed32(hi);
    } else if (f.type === 'uint64') {
      readInt64(false);
      varint64(lo, hi);
    } else throw GIVE_UP;
    skipSpace();
    const c = input[at++];
    if (c === CLOSE_ARRAY) break;
    if (c !== COMMA) throw GIVE_UP;
  }
  if (packed) closeLength(start);
}

/** A string value copied as its UTF-8 bytes; `at` on its opening quote. */
function writeString(number: number, presence: boolean): void {
  const buf = input;
  if (buf[at] !== QUOTE) throw GIVE_UP;
  const start = at + 1;
  let i = start;
  let high = false;
  for (;;) {
    const c = buf[i];
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      writeEscapedString(number, presence, start);
      return;
    }
    if (c === undefined || c < 0x20) throw GIVE_UP;
    if (c >= 0x80) high = true;
    i++;
  }
  at = i + 1;
  const len = i - start;
  if (len === 0 && !presence) return;
  // JSON.parse reads the body after a UTF-8 decode that replaces invalid bytes: only valid
  // UTF-8 is the same bytes both ways
  if (high && !isUtf8(buf.subarray(start, i))) throw GIVE_UP;
  tag(number, WireType.LEN);
  ensure(len + 5);
  varint(len);
  if (len > 32) out.set(buf.subarray(start, i), o);
  else for (let j = 0; j < len; j++) out[o + j] = buf[start + j]!;
  o += len;
}

/** A string with escapes: its token read by JSON.parse, written as the slow path writes a string. */
function writeEscapedString(number: number, presence: boolean, start: number): void {
  const buf = input;
  let i = start;
  for (;;) {
    const c = buf[i];
    if (c === QUOTE) break;
    if (c === undefined || c < 0x20) throw GIVE_UP;
    i += c === BACKSLASH ? 2 : 1;
  }
  const token = buf.subarray(start - 1, i + 1);
  if (!isUtf8(token)) throw GIVE_UP;
  let s: unknown;
  try {
    s = JSON.parse(Buffer.from(token.buffer, token.byteOffset, token.byteLength).toString('utf8'));
  } catch {
    throw GIVE_UP;
  }
  at = i + 1;
  const bytes = Buffer.from(s as string, 'utf8');
  if (bytes.length === 0 && !presence) return;
  tag(number, WireType.LEN);
  ensure(bytes.length + 5);
  varint(bytes.length);
  out.set(bytes, o);
  o += bytes.length;
}

/** bytes: base64, standard or URL-safe alphabet, padded or not, as values.ts's bytesField reads it. */
function readBase64(): Uint8Array {
  const buf = input;
  if (buf[at] !== QUOTE) throw GIVE_UP;
  let i = at + 1;
  while (buf[i] !== QUOTE) {
    if (buf[i] === undefined) throw GIVE_UP;
    i++;
  }
  const text = Buffer.from(buf.buffer, buf.byteOffset + at + 1, i - at - 1).toString('latin1');
  if (!BASE64.test(text)) throw GIVE_UP;
  at = i + 1;
  return Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
}

/** A trace or span id: hex of exactly `size` bytes, or "" for none (not written). */
function writeId(number: number, size: number): void {
  const buf = input;
  if (buf[at] !== QUOTE) throw GIVE_UP;
  if (buf[at + 1] === QUOTE) {
    at += 2;
    return;
  }
  const start = at + 1;
  if (buf[start + size * 2] !== QUOTE) throw GIVE_UP;
  tag(number, WireType.LEN);
  ensure(size + 1);
  out[o++] = size;
  for (let j = 0; j < size; j++) {
    const h = HEX[buf[start + 2 * j]!]!;
    const l = HEX[buf[start + 2 * j + 1]!]!;
    if (h < 0 || l < 0) throw GIVE_UP;
    out[o++] = (h << 4) | l;
  }
  at = start + size * 2 + 1;
}

const NULL = Buffer.from('null');
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

function literal(word: Uint8Array): void {
  for (let j = 0; j < word.length; j++) if (input[at + j] !== word[j]) throw GIVE_UP;
  at += word.length;
}

// readInt64's result: the low and high 32 bits (two's complement when negative)
let lo = 0;
let hi = 0;

/**
 * An int64 / uint64 / fixed64 as a JSON integer or a string of decimal digits, exactly (in two
 * 32-bit halves, no double or BigInt); a fraction, an exponent or a value out of range gives up.
 */
function readInt64(signed: boolean): void {
  const buf = input;
  const quoted = buf[at] === QUOTE;
  let i = quoted ? at + 1 : at;
  const negative = buf[i] === MINUS;
  if (negative) {
    if (!signed) throw GIVE_UP;
    i++;
  }
  const first = i;
  // up to 15 digits are exact in a double; the rest go into the two halves one by one
  let v = 0;
  for (let c = buf[i]!; c >= ZERO && c <= NINE && i - first < 15; c = buf[++i]!) v = v * 10 + (c - ZERO);
  let h = Math.floor(v / 0x100000000);
  let l = v - h * 0x100000000;
  for (let c = buf[i]!; c >= ZERO && c <= NINE; c = buf[++i]!) {
    l = l * 10 + (c - ZERO);
    const carry = Math.floor(l / 0x100000000);
    l -= carry * 0x100000000;
    h = h * 10 + carry;
    if (h > 0xffffffff) throw GIVE_UP;
  }
  if (i === first) throw GIVE_UP;
  // JSON numbers: no leading zero; strings: digits only, as values.ts's INTEGER
  if (!quoted && buf[first] === ZERO && i - first > 1) throw GIVE_UP;
  if (quoted) {
    if (buf[i] !== QUOTE) throw GIVE_UP;
    i++;
  } else endOfNumber(i);
  // int64: at most 2^63 - 1, at least -2^63
  if (signed && h >= 0x80000000 && !(negative && h === 0x80000000 && l === 0)) throw GIVE_UP;
  if (negative && (l !== 0 || h !== 0)) {
    // two's complement of the magnitude
    l = (~l + 1) >>> 0;
    h = (~h + (l === 0 ? 1 : 0)) >>> 0;
  }
  lo = l;
  hi = h;
  at = i;
}

/** After a JSON number's integer digits: a fraction or an exponent is the slow path's. */
function endOfNumber(i: number): void {
  const c = input[i];
  if (c === 46 /* . */ || c === 101 /* e */ || c === 69 /* E */) throw GIVE_UP;
}

/** An int32-sized integer: a JSON integer, a decimal string, or (for enums) a name. */
function readInt32(min: number, max: number, names: readonly string[] | undefined): number {
  const buf = input;
  let n: number;
  if (buf[at] === QUOTE) {
    let i = at + 1;
    while (buf[i] !== QUOTE) {
      const c = buf[i];
      if (c === undefined || c === BACKSLASH || c < 0x20 || c >= 0x80) throw GIVE_UP;
      i++;
    }
    const text = Buffer.from(buf.buffer, buf.byteOffset + at + 1, i - at - 1).toString('latin1');
    if (INTEGER.test(text)) n = Number(text);
    else {
      n = names ? names.indexOf(text) : -1;
      if (n < 0) throw GIVE_UP;
    }
    at = i + 1;
  } else {
    let i = at;
    const negative = buf[i] === MINUS;
    if (negative) i++;
    const first = i;
    n = 0;
    while (buf[i]! >= ZERO && buf[i]! <= NINE && i - first < 12) n = n * 10 + (buf[i++]! - ZERO);
    if (i === first || (buf[first] === ZERO && i - first > 1)) throw GIVE_UP;
    endOfNumber(i);
    if (buf[i]! >= ZERO && buf[i]! <= NINE) throw GIVE_UP;
    if (negative) n = -n;
    at = i;
  }
  if (n < min || n > max) throw GIVE_UP;
  return n;
}

/** A double: a JSON number, or a string as values.ts's toDouble reads it ("NaN", "Infinity", "2.5"). */
function readDouble(): number {
  const buf = input;
  let i = at;
  if (buf[i] === QUOTE) {
    i++;
    while (buf[i] !== QUOTE) {
      const c = buf[i];
      if (c === undefined || c === BACKSLASH || c < 0x20 || c >= 0x80) throw GIVE_UP;
      i++;
    }
    const text = Buffer.from(buf.buffer, buf.byteOffset + at + 1, i - at - 1).toString('latin1');
    const d =
      text === 'Infinity' ? Infinity : text === '-Infinity' ? -Infinity : text.trim() === '' ? NaN : Number(text);
    if (Number.isNaN(d) && text !== 'NaN') throw GIVE_UP;
    at = i + 1;
    return d;
  }
  if (buf[i] === MINUS) i++;
  const digits = i;
  while (buf[i]! >= ZERO && buf[i]! <= NINE) i++;
  if (i === digits || (buf[digits] === ZERO && i - digits > 1)) throw GIVE_UP;
  let simple = i - digits <= 15;
  if (buf[i] === 46 /* . */) {
    simple = false;
    const f = ++i;
    while (buf[i]! >= ZERO && buf[i]! <= NINE) i++;
    if (i === f) throw GIVE_UP;
  }
  if (buf[i] === 101 || buf[i] === 69) {
    simple = false;
    i++;
    if (buf[i] === 43 || buf[i] === MINUS) i++;
    const e = i;
    while (buf[i]! >= ZERO && buf[i]! <= NINE) i++;
    if (i === e) throw GIVE_UP;
  }
  let d: number;
  if (simple) {
    d = 0;
    for (let j = digits; j < i; j++) d = d * 10 + (buf[j]! - ZERO);
    if (buf[at] === MINUS) d = -d;
  } else d = Number(Buffer.from(buf.buffer, buf.byteOffset + at, i - at).toString('latin1'));
  at = i;
  return d;
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

function writeDouble(d: number): void {
  f64[0] = d;
  for (let j = 0; j < 8; j++) out[o + j] = f64Bytes[j]!;
  o += 8;
}

function writeFixed32(v: number): void {
  out[o] = v & 0xff;
  out[o + 1] = (v >>> 8) & 0xff;
  out[o + 2] = (v >>> 16) & 0xff;
  out[o + 3] = (v >>> 24) & 0xff;
  o += 4;
}

function varint64(l: number, h: number): void {
  ensure(10);
  if (h === 0) varint(l);
  else o = putVarint64(out, o, l, h);
}

/** Any JSON value, checked as JSON.parse would (an unknown field's: the slow path ignores it too). */
function skipValue(depth: number): void {
  if (depth > 64) throw GIVE_UP;
  skipSpace();
  const buf = input;
  const c = buf[at];
  if (c === QUOTE) {
    let i = at + 1;
    for (;;) {
      const b = buf[i];
      if (b === QUOTE) break;
      if (b === undefined || b < 0x20) throw GIVE_UP;
      if (b === BACKSLASH) {
        const e = buf[i + 1];
        if (e === 117 /* u */) {
          for (let j = 2; j < 6; j++) if (HEX[buf[i + j] ?? 0]! < 0) throw GIVE_UP;
          i += 6;
        } else if (
          e === QUOTE ||
          e === BACKSLASH ||
          e === 47 ||
          e === 98 ||
          e === 102 ||
          e === 110 ||
          e === 114 ||
          e === 116
        )
          i += 2;
        else throw GIVE_UP;
      } else i++;
    }
    at = i + 1;
  } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
    at++;
    skipSpace();
    if (buf[at] === close) {
      at++;
      return;
    }
    for (;;) {
      if (c === OPEN_OBJECT) {
        skipSpace();
        if (buf[at] !== QUOTE) throw GIVE_UP;
        skipValue(depth + 1);
        expect(COLON);
      }
      skipValue(depth + 1);
      skipSpace();
      const next = buf[at++];
      if (next === close) break;
      if (next !== COMMA) throw GIVE_UP;
    }
  } else if (c === 116) literal(TRUE);
  else if (c === 102) literal(FALSE);
  else if (c === 110) literal(NULL);
  else readDouble();
}
