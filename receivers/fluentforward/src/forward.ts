// The Forward protocol's events (fluentd's Forward Protocol Specification v1) as log entries, as
// contrib's receiver converts them: the mode is read from the event's second element (Message:
// a time; Forward: an array of entries; PackedForward: their bytes, gzip when the `compressed`
// option says so); each entry's `message` or `log` field is the body, the other fields are
// attributes, with the tag as `fluent.tag`.
import { gunzipSync } from 'node:zlib';
import { type Entry, newEntry, type Value, type ValueMap } from '@flowtel/stanza';
import { decode, MsgpackExt, type MsgpackValue, NeedMore } from './msgpack.ts';

export const TAG_ATTRIBUTE = 'fluent.tag';
/** a PackedForward event's entries at most, once decompressed */
const MAX_PACKED_BYTES = 64 * 1024 * 1024;

export class ForwardError extends Error {}

export interface ForwardEvent {
  entries: Entry[];
  /** the `chunk` option: the client waits for this to be acknowledged */
  chunk?: string;
}

/** EventTime (ext type 0): seconds and nanoseconds, big-endian; or whole seconds as an integer. */
function eventTime(v: MsgpackValue): bigint {
  if (typeof v === 'bigint') return v * 1_000_000_000n;
  if (v instanceof MsgpackExt && v.type === 0 && v.data.length === 8) {
    const d = Buffer.from(v.data.buffer, v.data.byteOffset, 8);
    return BigInt(d.readUInt32BE(0)) * 1_000_000_000n + BigInt(d.readUInt32BE(4));
  }
  throw new ForwardError(`unknown type of time value: ${describe(v)}`);
}

const describe = (v: MsgpackValue) => (v === null ? 'nil' : Array.isArray(v) ? 'array' : typeof v);

/** msgp's values as stanza's: bytes become text, ext its text form, as contrib's conversion. */
function value(v: MsgpackValue): Value {
  if (v instanceof Uint8Array) return Buffer.from(v).toString();
  if (v instanceof MsgpackExt) return `{${v.type} ${Buffer.from(v.data).toString('hex')}}`;
  if (Array.isArray(v)) return v.map(value);
  if (v !== null && typeof v === 'object') {
    const m: ValueMap = {};
    for (const k in v) m[k] = value(v[k]);
    return m;
  }
  return v;
}

function entry(tag: string, time: MsgpackValue, record: MsgpackValue): Entry {
  if (
    record === null ||
    typeof record !== 'object' ||
    Array.isArray(record) ||
    record instanceof Uint8Array ||
    record instanceof MsgpackExt
  )
    throw new ForwardError(`the record is a ${describe(record)}, not a map`);
  const e = newEntry(null, 0n);
  e.timestamp = eventTime(time);
  e.attributes[TAG_ATTRIBUTE] = tag;
  for (const k in record) {
    // fluentd names the line `message`, fluent-bit `log`
    if (k === 'message' || k === 'log') e.body = value(record[k]);
    else e.attributes[k] = value(record[k]);
  }
  return e;
}

function options(v: MsgpackValue | undefined): { chunk?: string; compressed?: string } {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array || v instanceof MsgpackExt)
    throw new ForwardError('the options are not a map');
  const o = v as Record<string, MsgpackValue>;
  return {
    chunk: typeof o.chunk === 'string' ? o.chunk : undefined,
    compressed: typeof o.compressed === 'string' ? o.compressed : undefined,
  };
}

const pair = (v: MsgpackValue): [MsgpackValue, MsgpackValue] => {
  if (!Array.isArray(v) || v.length !== 2) throw new ForwardError('an entry is not a [time, record] pair');
  return [v[0], v[1]];
};

/** One decoded event as entries. */
export function toEvent(v: MsgpackValue): ForwardEvent {
  if (!Array.isArray(v) || v.length < 2) throw new ForwardError('an event is not an array of 2 to 4 elements');
  const tag = typeof v[0] === 'string' ? v[0] : v[0] instanceof Uint8Array ? Buffer.from(v[0]).toString() : undefined;
  if (tag === undefined) throw new ForwardError('malformed tag field');
  const second = v[1];
  if (typeof second === 'bigint' || second instanceof MsgpackExt) {
    if (v.length < 3 || v.length > 4) throw new ForwardError('a Message mode event has 3 or 4 elements');
    const o = options(v[3]);
    return { entries: [entry(tag, second, v[2])], chunk: o.chunk };
  }
  if (v.length > 3) throw new ForwardError('a Forward mode event has 2 or 3 elements');
  const o = options(v[2]);
  if (Array.isArray(second)) return { entries: second.map((x) => entry(tag, ...pair(x))), chunk: o.chunk };
  if (second instanceof Uint8Array || typeof second === 'string') {
    let packed =
      typeof second === 'string' ? Buffer.from(second) : Buffer.from(second.buffer, second.byteOffset, second.length);
    if (o.compressed === 'gzip') packed = gunzipSync(packed, { maxOutputLength: MAX_PACKED_BYTES });
    const entries: Entry[] = [];
    for (let pos = 0; pos < packed.length;) {
      let x: MsgpackValue;
      try {
        [x, pos] = decode(packed, pos);
      } catch (err) {
        if (err instanceof NeedMore) throw new ForwardError('a PackedForward entry is cut short');
        throw err;
      }
      entries.push(entry(tag, ...pair(x)));
    }
    return { entries, chunk: o.chunk };
  }
  throw new ForwardError(`unable to determine the event mode from a ${describe(second)}`);
}
