// Attribute values the dictionary stores: the primitive AnyValues, kept lossless in JSON
// (64-bit ints as decimal strings) so a decoded record has the very values it was encoded from.
import type { TagAttributes, TagValue } from '@flowtel/core/smartencoding';
import { toAnyValue, type AnyValue, type KeyValue } from '@flowtel/pdata';

/** The stored form of a primitive AnyValue; undefined for arrays, maps, bytes and empty values. */
export function tagValueOf(v: AnyValue): TagValue | undefined {
  if ('stringValue' in v) return { s: v.stringValue };
  if ('intValue' in v) return { i: v.intValue.toString() };
  if ('doubleValue' in v) return { d: v.doubleValue };
  if ('boolValue' in v) return { b: v.boolValue };
  return undefined;
}

export function anyValueOf(v: TagValue): AnyValue {
  if ('s' in v) return { stringValue: v.s };
  if ('i' in v) return { intValue: BigInt(v.i) };
  if ('d' in v) return { doubleValue: v.d };
  return { boolValue: v.b };
}

/** A tag value from a plain JS value: integers become ints, as pdata's attr() does. */
export const tagValue = (v: string | number | boolean | bigint): TagValue => tagValueOf(toAnyValue(v))!;

export function sameTagValue(a: TagValue, b: TagValue): boolean {
  if ('s' in a) return 's' in b && a.s === b.s;
  if ('i' in a) return 'i' in b && a.i === b.i;
  if ('d' in a) return 'd' in b && Object.is(a.d, b.d);
  return 'b' in b && a.b === b.b;
}

export const toKeyValues = (attrs: TagAttributes): KeyValue[] =>
  attrs.map(([key, v]) => ({ key, value: anyValueOf(v) }));

/** Attributes from plain values, skipping the ones that are unknown or empty. */
export function tagAttributes(values: Record<string, string | number | boolean | bigint | undefined>): TagAttributes {
  const out: TagAttributes = [];
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') out.push([k, tagValue(v)]);
  return out;
}
