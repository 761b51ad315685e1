// Pass-through of OTLP protobuf that nothing looked at. A receiver checks a request by decoding
// it, then hands on a model that keeps only the request bytes and its item count: the decoded
// objects die young instead of waiting in the old generation for the batch to leave. The
// model's resource list is decoded again on first access (a processor that looks at the data);
// from then on the bytes are forgotten, since the caller may change the model. Until then an
// encode returns the bytes as they came, and joining requests concatenates their bytes: a
// request is one repeated field, and protobuf encodings of a repeated field concatenate into
// the encoding of the joined list.
import type { SignalLayout } from '../signal-layout.ts';

interface Raw {
  bytes: Uint8Array;
  items: number;
}

const RAW = new WeakMap<object, Raw>();

type Decode = (bytes: Uint8Array) => object;

/** A model of `bytes` (already checked by decoding) whose resource list decodes on first access. */
export function passThrough<T extends object>(layout: SignalLayout, decode: Decode, bytes: Uint8Array, items: number): T {
  const data = {} as T;
  const key = layout.resources;
  const settle = (value: unknown) => {
    RAW.delete(data);
    Object.defineProperty(data, key, { value, writable: true, enumerable: true, configurable: true });
  };
  Object.defineProperty(data, key, {
    enumerable: true,
    configurable: true,
    get() {
      const value = (decode(bytes) as Record<string, unknown>)[key];
      settle(value);
      return value;
    },
    set: settle,
  });
  RAW.set(data, { bytes, items });
  return data;
}

/** The request bytes of a model nothing has looked at, if it is one. */
export const passThroughBytes = (data: object): Uint8Array | undefined => RAW.get(data)?.bytes;

/** The item count of a pass-through model, without decoding it. */
export const passThroughItems = (data: object): number | undefined => RAW.get(data)?.items;

/** The parts joined at the byte level when every one is still pass-through, else undefined. */
export function concatPassThrough<T extends object>(layout: SignalLayout, decode: Decode, parts: readonly T[]): T | undefined {
  const raws: Raw[] = [];
  for (const part of parts) {
    const raw = RAW.get(part);
    if (!raw) return undefined;
    raws.push(raw);
  }
  if (raws.length === 1) return passThrough<T>(layout, decode, raws[0].bytes, raws[0].items);
  let length = 0;
  let items = 0;
  for (const raw of raws) (length += raw.bytes.length), (items += raw.items);
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const raw of raws) bytes.set(raw.bytes, at), (at += raw.bytes.length);
  return passThrough<T>(layout, decode, bytes, items);
}
