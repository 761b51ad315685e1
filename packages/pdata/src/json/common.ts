// common.proto and resource.proto in OTLP/JSON.
import { DecodeError } from '../decode-error.ts';
import type { AnyValue, EntityRef, InstrumentationScope, KeyValue, Resource } from '../model.ts';
import { MAX_VALUE_DEPTH } from '../proto/reader.ts';
import {
  arrayField,
  asObject,
  boolField,
  bytesField,
  field,
  int64Field,
  stringField,
  toDouble,
  uint32Field,
  type JsonObject,
} from './values.ts';
import { syntax, type JsonWriter } from './writer.ts';

export function anyValueFromJson(value: unknown, path: string, depth = 0): AnyValue {
  const o = asObject(value, path);
  if (field(o, 'stringValue') !== undefined) return { stringValue: stringField(o, 'stringValue', path) };
  if (field(o, 'boolValue') !== undefined) return { boolValue: boolField(o, 'boolValue', path) };
  if (field(o, 'intValue') !== undefined) return { intValue: int64Field(o, 'intValue', path, true) };
  if (field(o, 'doubleValue') !== undefined)
    return { doubleValue: toDouble(field(o, 'doubleValue'), `${path}.doubleValue`) };
  if (field(o, 'bytesValue') !== undefined) return { bytesValue: bytesField(o, 'bytesValue', path) };
  const array = field(o, 'arrayValue');
  if (array !== undefined) {
    const inner = nested(array, `${path}.arrayValue`, depth);
    return {
      arrayValue: {
        values: arrayField(inner, 'values', `${path}.arrayValue`, (v, p) => anyValueFromJson(v, p, depth + 1)),
      },
    };
  }
  const kvlist = field(o, 'kvlistValue');
  if (kvlist !== undefined) {
    const inner = nested(kvlist, `${path}.kvlistValue`, depth);
    return {
      kvlistValue: {
        values: arrayField(inner, 'values', `${path}.kvlistValue`, (v, p) => keyValueFromJson(v, p, depth + 1)),
      },
    };
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
  return {
    key: stringField(o, 'key', path),
    value: v === undefined ? {} : anyValueFromJson(v, `${path}.value`, depth),
  };
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

const KEY = syntax('{"key":');
const STRING_VALUE = syntax(',"value":{"stringValue":');
const INT_VALUE = syntax(',"value":{"intValue":');
const VALUE = syntax(',"value":');
const CLOSE_VALUE = syntax('}}');
const CLOSE = syntax('}');

export function writeAnyValue(w: JsonWriter, v: AnyValue): void {
  w.open();
  if ('stringValue' in v) {
    w.key('stringValue');
    w.stringValue(v.stringValue);
  } else if ('intValue' in v) {
    w.key('intValue');
    w.int64Value(v.intValue);
  } else if ('boolValue' in v) {
    w.key('boolValue');
    w.boolValue(v.boolValue);
  } else if ('doubleValue' in v) {
    w.key('doubleValue');
    w.numberValue(v.doubleValue);
  } else if ('arrayValue' in v) {
    w.key('arrayValue');
    w.open();
    w.list('values', v.arrayValue.values, writeAnyValue);
    w.close();
  } else if ('kvlistValue' in v) {
    w.key('kvlistValue');
    w.open();
    w.list('values', v.kvlistValue.values, writeKeyValue);
    w.close();
  } else if ('bytesValue' in v) {
    w.key('bytesValue');
    w.bytesValue(v.bytesValue);
  }
  w.close();
}

/** The OTLP/JSON of a shared KeyValue (shared.ts), written when it was made. */
export const ENCODED_JSON = Symbol('flowtel.pdata.encodedJson');

/** Attributes are most of a span's JSON: strings and integers take a path of pre-encoded syntax. */
export function writeKeyValue(w: JsonWriter, kv: KeyValue): void {
  const encoded = (kv as { [ENCODED_JSON]?: Uint8Array })[ENCODED_JSON];
  if (encoded !== undefined) {
    w.syntax(encoded);
    return;
  }
  w.syntax(KEY);
  w.stringValue(kv.key);
  const v = kv.value;
  if ('stringValue' in v) {
    w.syntax(STRING_VALUE);
    w.stringValue(v.stringValue);
    w.syntax(CLOSE_VALUE);
  } else if ('intValue' in v) {
    w.syntax(INT_VALUE);
    w.int64Value(v.intValue);
    w.syntax(CLOSE_VALUE);
  } else {
    w.syntax(VALUE);
    writeAnyValue(w, v);
    w.syntax(CLOSE);
  }
}

function writeEntityRef(w: JsonWriter, ref: EntityRef): void {
  w.open();
  w.str('schemaUrl', ref.schemaUrl);
  w.str('type', ref.type);
  w.list('idKeys', ref.idKeys, writeString);
  w.list('descriptionKeys', ref.descriptionKeys, writeString);
  w.close();
}

const writeString = (w: JsonWriter, s: string) => w.stringValue(s);

export function writeResource(w: JsonWriter, r: Resource): void {
  w.list('attributes', r.attributes, writeKeyValue);
  w.num('droppedAttributesCount', r.droppedAttributesCount);
  w.list('entityRefs', r.entityRefs, writeEntityRef);
}

export function writeScope(w: JsonWriter, s: InstrumentationScope): void {
  w.str('name', s.name);
  w.str('version', s.version);
  w.list('attributes', s.attributes, writeKeyValue);
  w.num('droppedAttributesCount', s.droppedAttributesCount);
}
