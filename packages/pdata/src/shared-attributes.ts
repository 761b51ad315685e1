// KeyValues shared by every item that carries the same pair, for producers whose values repeat
// (captured traffic: methods, paths, addresses, status codes, the ports of kept-alive
// connections). One object per distinct pair instead of two or three per attribute per item,
// and its OTLP/JSON is written once and copied from then on. Items hold these objects for as
// long as they wait in a batch, so fewer objects is less for the young-generation GC to copy.
// Shared objects are never changed in place (see the README): an attribute is replaced.
import { attr } from './create.ts';
import { ENCODED_JSON, writeKeyValue } from './json/common.ts';
import { JsonWriter } from './json/writer.ts';
import type { KeyValue } from './model.ts';

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
