// common.proto and resource.proto in OTLP/JSON.
import { DecodeError } from '../decode-error.ts';
import type { AnyValue, EntityRef, InstrumentationScope, KeyValue, Resource } from '../model.ts';
import { MAX_VALUE_DEPTH } from '../proto/reader.ts';
import {
  arrayField,
  asObject,
  boolField,
  bytesField,
  bytesJson,
  doubleJson,
  field,
  int64Field,
  JsonOut,
  stringField,
  toDouble,
  uint32Field,
  type JsonObject,
} from './values.ts';

export function anyValueFromJson(value: unknown, path: string, depth = 0): AnyValue {
  const o = asObject(value, path);
  if (field(o, 'stringValue') !== undefined) return { stringValue: stringField(o, 'stringValue', path) };
  if (field(o, 'boolValue') !== undefined) return { boolValue: boolField(o, 'boolValue', path) };
  if (field(o, 'intValue') !== undefined) return { intValue: int64Field(o, 'intValue', path, true) };
  if (field(o, 'doubleValue') !== undefined) return { doubleValue: toDouble(field(o, 'doubleValue'), `${path}.doubleValue`) };
  if (field(o, 'bytesValue') !== undefined) return { bytesValue: bytesField(o, 'bytesValue', path) };
  const array = field(o, 'arrayValue');
  if (array !== undefined) {
    const inner = nested(array, `${path}.arrayValue`, depth);
    return { arrayValue: { values: arrayField(inner, 'values', `${path}.arrayValue`, (v, p) => anyValueFromJson(v, p, depth + 1)) } };
  }
  const kvlist = field(o, 'kvlistValue');
  if (kvlist !== undefined) {
    const inner = nested(kvlist, `${path}.kvlistValue`, depth);
    return { kvlistValue: { values: arrayField(inner, 'values', `${path}.kvlistValue`, (v, p) => keyValueFromJson(v, p, depth + 1)) } };
  }
  return {};
}

function nested(value: unknown, path: string, depth: number): JsonObject {
  if (depth >= MAX_VALUE_DEPTH) throw new DecodeError(`${path}: values nest deeper than ${MAX_VALUE_DEPTH} levels`);
  return asObject(value, path);
}

export function keyValueFromJson(value: unknown, path: string, depth = 0): KeyValue {
  const o = asObject(value, path);
  const v = field(o, 'value');
  return { key: stringField(o, 'key', path), value: v === undefined ? {} : anyValueFromJson(v, `${path}.value`, depth) };
}

export function attributesFromJson(o: JsonObject, key: string, path: string): KeyValue[] {
  return arrayField(o, key, path, (v, p) => keyValueFromJson(v, p));
}

function stringsFromJson(o: JsonObject, key: string, path: string): string[] {
  return arrayField(o, key, path, (v, p) => {
    if (typeof v !== 'string') throw new DecodeError(`${p}: expected a string`);
    return v;
  });
}

function entityRefFromJson(value: unknown, path: string): EntityRef {
  const o = asObject(value, path);
  return {
    schemaUrl: stringField(o, 'schemaUrl', path),
    type: stringField(o, 'type', path),
    idKeys: stringsFromJson(o, 'idKeys', path),
    descriptionKeys: stringsFromJson(o, 'descriptionKeys', path),
  };
}

export function resourceFromJson(value: unknown, path: string): Resource {
  if (value === undefined) return { attributes: [], droppedAttributesCount: 0, entityRefs: [] };
  const o = asObject(value, path);
  return {
    attributes: attributesFromJson(o, 'attributes', path),
    droppedAttributesCount: uint32Field(o, 'droppedAttributesCount', path),
    entityRefs: arrayField(o, 'entityRefs', path, entityRefFromJson),
  };
}

export function scopeFromJson(value: unknown, path: string): InstrumentationScope {
  if (value === undefined) return { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  const o = asObject(value, path);
  return {
    name: stringField(o, 'name', path),
    version: stringField(o, 'version', path),
    attributes: attributesFromJson(o, 'attributes', path),
    droppedAttributesCount: uint32Field(o, 'droppedAttributesCount', path),
  };
}

// ---- output ----

export function anyValueToJson(v: AnyValue): JsonObject {
  if ('stringValue' in v) return { stringValue: v.stringValue };
  if ('intValue' in v) return { intValue: v.intValue.toString() };
  if ('boolValue' in v) return { boolValue: v.boolValue };
  if ('doubleValue' in v) return { doubleValue: doubleJson(v.doubleValue) };
  if ('arrayValue' in v) return { arrayValue: { values: v.arrayValue.values.map(anyValueToJson) } };
  if ('kvlistValue' in v) return { kvlistValue: { values: v.kvlistValue.values.map(keyValueToJson) } };
  if ('bytesValue' in v) return { bytesValue: bytesJson(v.bytesValue) };
  return {};
}

export function keyValueToJson(kv: KeyValue): JsonObject {
  return { key: kv.key, value: anyValueToJson(kv.value) };
}

export function resourceToJson(r: Resource): JsonObject {
  return new JsonOut()
    .list('attributes', r.attributes, keyValueToJson)
    .num('droppedAttributesCount', r.droppedAttributesCount)
    .list('entityRefs', r.entityRefs, (ref) =>
      new JsonOut().str('schemaUrl', ref.schemaUrl).str('type', ref.type).list('idKeys', ref.idKeys, String).list('descriptionKeys', ref.descriptionKeys, String).o,
    ).o;
}

export function scopeToJson(s: InstrumentationScope): JsonObject {
  return new JsonOut()
    .str('name', s.name)
    .str('version', s.version)
    .list('attributes', s.attributes, keyValueToJson)
    .num('droppedAttributesCount', s.droppedAttributesCount).o;
}
