// Pass-through of OTLP protobuf that nothing looked at. A receiver checks a request by decoding
// it, then hands on a model that keeps only the request bytes and its item count: the decoded
// objects die young instead of waiting in the old generation for the batch to leave. The
// model's resource list is decoded again on first access (a processor that looks at the data);
// from then on the bytes are forgotten, since the caller may change the model. Until then an
// encode returns the bytes as they came, and joining requests concatenates their bytes: a
// request is one repeated field, and protobuf encodings of a repeated field concatenate into
// the encoding of the joined list. Data shared read-only (read-only.ts) keeps its bytes after a
// look, since nobody may change it: one consumer reading it costs the others nothing. A copy
// for a consumer that changes data is a new model over the same bytes, which nobody changes.
import { isReadOnly } from '../read-only.ts';
import type { SignalLayout } from '../signal-layout.ts';

type Decode = (bytes: Uint8Array) => object;

interface Raw {
  bytes: Uint8Array;
  items: number;
  layout: SignalLayout;
  decode: Decode;
}

const RAW = new WeakMap<object, Raw>();

// The accessor of the resource list, one pair of functions per signal shared by every model
// (found through `this`): a getter closure made per model made V8 collect garbage about five
// times as long as the decode itself (100-span requests: 60k spans per CPU second decoded and
// read, 330k with shared functions).
const ACCESSORS = new Map<string, PropertyDescriptor>();

function accessor(key: string): PropertyDescriptor {
  let d = ACCESSORS.get(key);
  if (d) return d;
  const settle = (data: object, value: unknown, keepBytes: boolean) => {
    if (!keepBytes) RAW.delete(data);
    Object.defineProperty(data, key, { value, writable: true, enumerable: true, configurable: true });
  };
  d = {
    enumerable: true,
    configurable: true,
    get(this: object) {
      const raw = RAW.get(this)!;
      const value = (raw.decode(raw.bytes) as Record<string, unknown>)[key];
      settle(this, value, isReadOnly(this));
      return value;
    },
    set(this: object, value: unknown) {
      settle(this, value, false);
    },
  };
  ACCESSORS.set(key, d);
  return d;
}

/** A model of `bytes` (already checked by decoding) whose resource list decodes on first access. */
export function passThrough<T extends object>(
  layout: SignalLayout,
  decode: Decode,
  bytes: Uint8Array,
  items: number,
): T {
  const data = {} as T;
  Object.defineProperty(data, layout.resources, accessor(layout.resources));
  RAW.set(data, { bytes, items, layout, decode });
  return data;
}

/** A new pass-through model of the same bytes, if `data` still has them; else undefined. */
export function copyPassThrough<T extends object>(data: T): T | undefined {
  const raw = RAW.get(data);
  return raw && passThrough<T>(raw.layout, raw.decode, raw.bytes, raw.items);
}

/** The request bytes of a model nothing has looked at, if it is one. */
export const passThroughBytes = (data: object): Uint8Array | undefined => RAW.get(data)?.bytes;

/** The item count of a pass-through model, without decoding it. */
export const passThroughItems = (data: object): number | undefined => RAW.get(data)?.items;

/** The parts joined at the byte level when every one is still pass-through, else undefined. */
export function concatPassThrough<T extends object>(
  layout: SignalLayout,
  decode: Decode,
  parts: readonly T[],
): T | undefined {
  const raws: Raw[] = [];
  for (const part of parts) {
    const raw = RAW.get(part);
    if (!raw) return undefined;
    raws.push(raw);
  }
  if (raws.length === 1) return passThrough<T>(layout, decode, raws[0].bytes, raws[0].items);
  let length = 0;
  let items = 0;
  for (const raw of raws) ((length += raw.bytes.length), (items += raw.items));
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const raw of raws) (bytes.set(raw.bytes, at), (at += raw.bytes.length));
  return passThrough<T>(layout, decode, bytes, items);
}
