// A resource's attributes as ids: each kind's tag set interned in the dictionary, the
// attributes those entries reproduce exactly dropped, the rest gathered in a `resource` entry
// (primitive values) or left in place (arrays, maps, bytes), and the `keep` list untouched.
import { attr, type KeyValue } from '@flowtel/pdata';
import type { TagDictionary } from './dictionary.ts';
import type { TagSet } from './resolve.ts';
import {
  DICT_NAME_ATTRIBUTE,
  DICT_VERSION_ATTRIBUTE,
  TAG_KINDS,
  idAttribute,
  isTagAttribute,
  type TagAttributes,
  type TagKind,
  type TagValue,
} from '@flowtel/core/smartencoding';
import { sameTagValue, tagValueOf } from './value.ts';

export type TagIds = Partial<Record<TagKind, bigint>>;

export function encodeResource(
  resource: KeyValue[],
  set: TagSet,
  keep: ReadonlySet<string>,
  dictionary: TagDictionary,
): TagIds {
  const ids: TagIds = {};
  const explained = new Map<string, TagValue>();
  for (const kind of TAG_KINDS) {
    const c = set[kind];
    if (!c) continue;
    ids[kind] = dictionary.intern(kind, c.key, c.name, c.attributes);
    for (const [k, v] of c.attributes) if (!explained.has(k)) explained.set(k, v);
  }
  const rest: TagAttributes = [];
  for (const kv of resource) {
    if (keep.has(kv.key) || isTagAttribute(kv.key)) continue;
    const v = tagValueOf(kv.value);
    if (!v) continue;
    const known = explained.get(kv.key);
    if (!known || !sameTagValue(known, v)) rest.push([kv.key, v]);
  }
  if (rest.length > 0) ids.resource = dictionary.intern('resource', JSON.stringify(rest), '', rest);
  return ids;
}

/** The attributes an encoded resource leaves with. */
export function encodedAttributes(
  resource: KeyValue[],
  ids: TagIds,
  keep: ReadonlySet<string>,
  dictionaryName: string,
  version: number,
): KeyValue[] {
  const out: KeyValue[] = [];
  for (const kv of resource) if (keep.has(kv.key) || (!isTagAttribute(kv.key) && !tagValueOf(kv.value))) out.push(kv);
  for (const kind of TAG_KINDS) if (ids[kind] !== undefined) out.push(attr(idAttribute(kind), ids[kind]));
  out.push(attr(DICT_VERSION_ATTRIBUTE, version), attr(DICT_NAME_ATTRIBUTE, dictionaryName));
  return out;
}
