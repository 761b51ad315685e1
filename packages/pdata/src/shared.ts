// Parts of items shared by every item that has the same, for producers that make many alike
// (captured traffic): KeyValues whose values repeat (methods, paths, addresses, status codes,
// the ports of kept-alive connections), and the empty lists and unset status of a span. One
// object per distinct part instead of one or more per item, and a KeyValue's OTLP/JSON is
// written once and copied from then on. Items hold these objects for as long as they wait in a
// batch, so fewer objects is less for the GC to copy and promote. Shared objects are never
// changed in place (see the README): a part is replaced; the span parts are frozen.
import { attr } from './create.ts';
import { ENCODED_JSON, writeKeyValue } from './json/common.ts';
import { JsonWriter } from './json/writer.ts';
import type { KeyValue, Span } from './model.ts';

export const NO_EVENTS: Span['events'] = Object.freeze([]) as unknown as Span['events'];
export const NO_LINKS: Span['links'] = Object.freeze([]) as unknown as Span['links'];
export const STATUS_UNSET: Span['status'] = Object.freeze({ message: '', code: 0 });

/** distinct values kept per key before that key's cache starts over */
const VALUES_PER_KEY = 256;
const shared = new Map<string, Map<string | number | boolean, KeyValue>>();

export function sharedAttr(key: string, value: string | number | boolean): KeyValue {
  let values = shared.get(key);
  if (values === undefined) shared.set(key, (values = new Map()));
  let kv = values.get(value);
  if (kv === undefined) {
    if (values.size >= VALUES_PER_KEY) values.clear();
    kv = attr(key, value);
    const w = new JsonWriter(0);
    writeKeyValue(w, kv);
    // not enumerable: a copy (structuredClone, a spread) is an ordinary KeyValue
    Object.defineProperty(kv, ENCODED_JSON, { value: w.toBytes().slice() });
    values.set(value, kv);
  }
  return kv;
}
