// common.proto and resource.proto: values, attributes, resources, scopes.
import type { AnyValue, EntityRef, InstrumentationScope, KeyValue, Resource } from '../model.ts';
import { MAX_VALUE_DEPTH, type ProtoReader } from './reader.ts';
import type { ProtoWriter } from './writer.ts';

// Field numbers by message (opentelemetry-proto), and the wire types of their tags: named here,
// inlined as numbers when compiled (a const enum used in its own file).
// prettier-ignore
const enum Wire { VARINT = 0, I64 = 1, LEN = 2, I32 = 5 }
/** AnyValue, a oneof; int_value is an int64 */
// prettier-ignore
const enum AnyValueField {
  stringValue = 1, boolValue = 2, intValue = 3, doubleValue = 4, arrayValue = 5, kvlistValue = 6,
  bytesValue = 7,
}
/** ArrayValue */
// prettier-ignore
const enum ArrayValueField { values = 1 }
/** KeyValueList */
// prettier-ignore
const enum KeyValueListField { values = 1 }
/** KeyValue */
// prettier-ignore
const enum KeyValueField { key = 1, value = 2 }
/** EntityRef; id_keys and description_keys are repeated */
// prettier-ignore
const enum EntityRefField { schemaUrl = 1, type = 2, idKeys = 3, descriptionKeys = 4 }
/** Resource */
// prettier-ignore
const enum ResourceField { attributes = 1, droppedAttributesCount = 2, entityRefs = 3 }
/** InstrumentationScope */
// prettier-ignore
const enum ScopeField { name = 1, version = 2, attributes = 3, droppedAttributesCount = 4 }

const EMPTY_VALUE: AnyValue = Object.freeze({}) as AnyValue;

// A value given again merges into the one before (protobuf's rule for a repeated non-repeated
// message field): the same array or kvlist member appends its values, another member replaces.
export function decodeAnyValue(r: ProtoReader, end: number, into: AnyValue = EMPTY_VALUE): AnyValue {
  let value = into;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (AnyValueField.stringValue << 3) | Wire.LEN:
        value = { stringValue: r.string() };
        break;
      case (AnyValueField.boolValue << 3) | Wire.VARINT:
        value = { boolValue: r.bool() };
        break;
      case (AnyValueField.intValue << 3) | Wire.VARINT:
        value = { intValue: r.int64() };
        break;
      case (AnyValueField.doubleValue << 3) | Wire.I64:
        value = { doubleValue: r.double() };
        break;
      case (AnyValueField.arrayValue << 3) | Wire.LEN:
        value = {
          arrayValue: { values: decodeArrayValue(r, r.len(), 'arrayValue' in value ? value.arrayValue.values : []) },
        };
        break;
      case (AnyValueField.kvlistValue << 3) | Wire.LEN:
        value = {
          kvlistValue: {
            values: decodeKeyValueList(r, r.len(), 'kvlistValue' in value ? value.kvlistValue.values : []),
          },
        };
        break;
      case (AnyValueField.bytesValue << 3) | Wire.LEN:
        value = { bytesValue: r.bytes() };
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'AnyValue');
  return value;
}

function enterValue(r: ProtoReader): void {
  if (++r.depth > MAX_VALUE_DEPTH) throw r.error(`values nest deeper than ${MAX_VALUE_DEPTH} levels`);
}

function decodeArrayValue(r: ProtoReader, end: number, values: AnyValue[]): AnyValue[] {
  enterValue(r);
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((ArrayValueField.values << 3) | Wire.LEN)) values.push(decodeAnyValue(r, r.len()));
    else r.skip(tag);
  }
  r.expectEnd(end, 'ArrayValue');
  r.depth--;
  return values;
}

function decodeKeyValueList(r: ProtoReader, end: number, values: KeyValue[]): KeyValue[] {
  enterValue(r);
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((KeyValueListField.values << 3) | Wire.LEN)) values.push(decodeKeyValue(r, r.len()));
    else r.skip(tag);
  }
  r.expectEnd(end, 'KeyValueList');
  r.depth--;
  return values;
}

export function decodeKeyValue(r: ProtoReader, end: number): KeyValue {
  let key = '';
  let value: AnyValue = EMPTY_VALUE;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((KeyValueField.key << 3) | Wire.LEN)) key = r.string();
    else if (tag === ((KeyValueField.value << 3) | Wire.LEN)) value = decodeAnyValue(r, r.len(), value);
    else r.skip(tag);
  }
  r.expectEnd(end, 'KeyValue');
  return { key, value };
}

function decodeEntityRef(r: ProtoReader, end: number): EntityRef {
  let schemaUrl = '';
  let type = '';
  const idKeys: string[] = [];
  const descriptionKeys: string[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (EntityRefField.schemaUrl << 3) | Wire.LEN:
        schemaUrl = r.string();
        break;
      case (EntityRefField.type << 3) | Wire.LEN:
        type = r.string();
        break;
      case (EntityRefField.idKeys << 3) | Wire.LEN:
        idKeys.push(r.string());
        break;
      case (EntityRefField.descriptionKeys << 3) | Wire.LEN:
        descriptionKeys.push(r.string());
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'EntityRef');
  return { schemaUrl, type, idKeys, descriptionKeys };
}

// A Resource decodes into `into`'s
// fields, so a resource given twice merges (repeated fields appended, scalars last-wins).
export function decodeResource(r: ProtoReader, end: number, into: Resource = emptyResource()): Resource {
  const { attributes, entityRefs } = into;
  let { droppedAttributesCount } = into;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (ResourceField.attributes << 3) | Wire.LEN:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case (ResourceField.droppedAttributesCount << 3) | Wire.VARINT:
        droppedAttributesCount = r.uint32();
        break;
      case (ResourceField.entityRefs << 3) | Wire.LEN:
        entityRefs.push(decodeEntityRef(r, r.len()));
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'Resource');
  return { attributes, droppedAttributesCount, entityRefs };
}

export function emptyResource(): Resource {
  return { attributes: [], droppedAttributesCount: 0, entityRefs: [] };
}

// An InstrumentationScope merges into `into` as decodeResource does
export function decodeScope(
  r: ProtoReader,
  end: number,
  into: InstrumentationScope = emptyScope(),
): InstrumentationScope {
  const { attributes } = into;
  let { name, version, droppedAttributesCount } = into;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (ScopeField.name << 3) | Wire.LEN:
        name = r.string();
        break;
      case (ScopeField.version << 3) | Wire.LEN:
        version = r.string();
        break;
      case (ScopeField.attributes << 3) | Wire.LEN:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case (ScopeField.droppedAttributesCount << 3) | Wire.VARINT:
        droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'InstrumentationScope');
  return { name, version, attributes, droppedAttributesCount };
}

export function emptyScope(): InstrumentationScope {
  return { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
}

// ---- encoding: fields last-first (see ProtoWriter) ----

export function encodeAnyValue(w: ProtoWriter, v: AnyValue): void {
  const o = v as Partial<{
    stringValue: string;
    boolValue: boolean;
    intValue: bigint;
    doubleValue: number;
    arrayValue: { values: AnyValue[] };
    kvlistValue: { values: KeyValue[] };
    bytesValue: Uint8Array;
  }>;
  if (o.stringValue !== undefined) {
    w.string(o.stringValue);
    w.tag(AnyValueField.stringValue, Wire.LEN);
  } else if (o.intValue !== undefined) {
    w.int64(o.intValue);
    w.tag(AnyValueField.intValue, Wire.VARINT);
  } else if (o.boolValue !== undefined) {
    w.bool(o.boolValue);
    w.tag(AnyValueField.boolValue, Wire.VARINT);
  } else if (o.doubleValue !== undefined) {
    w.double(o.doubleValue);
    w.tag(AnyValueField.doubleValue, Wire.I64);
  } else if (o.arrayValue !== undefined) {
    const end = w.written;
    const values = o.arrayValue.values;
    for (let i = values.length - 1; i >= 0; i--) encodeAnyValueField(w, ArrayValueField.values, values[i], true);
    w.closeMessage(AnyValueField.arrayValue, end);
  } else if (o.kvlistValue !== undefined) {
    const end = w.written;
    encodeKeyValues(w, KeyValueListField.values, o.kvlistValue.values);
    w.closeMessage(AnyValueField.kvlistValue, end);
  } else if (o.bytesValue !== undefined) {
    w.bytes(o.bytesValue);
    w.tag(AnyValueField.bytesValue, Wire.LEN);
  }
}

/** An AnyValue as a message field; an empty value is left out unless `always` (array items). */
export function encodeAnyValueField(w: ProtoWriter, field: number, v: AnyValue, always: boolean): void {
  const end = w.written;
  encodeAnyValue(w, v);
  if (always || w.written !== end) w.closeMessage(field, end);
}

export function encodeKeyValues(w: ProtoWriter, field: number, attributes: KeyValue[]): void {
  for (let i = attributes.length - 1; i >= 0; i--) {
    const kv = attributes[i];
    const end = w.written;
    encodeAnyValueField(w, KeyValueField.value, kv.value, false);
    w.stringField(KeyValueField.key, kv.key);
    w.closeMessage(field, end);
  }
}

function encodeStrings(w: ProtoWriter, field: number, values: string[]): void {
  for (let i = values.length - 1; i >= 0; i--) {
    w.string(values[i]);
    w.tag(field, Wire.LEN);
  }
}

/** A message field left out when the whole message is empty (all defaults). */
function closeUnlessEmpty(w: ProtoWriter, field: number, end: number): void {
  if (w.written !== end) w.closeMessage(field, end);
}

export function encodeResourceField(w: ProtoWriter, field: number, resource: Resource): void {
  const end = w.written;
  for (let i = resource.entityRefs.length - 1; i >= 0; i--) {
    const ref = resource.entityRefs[i];
    const refEnd = w.written;
    encodeStrings(w, EntityRefField.descriptionKeys, ref.descriptionKeys);
    encodeStrings(w, EntityRefField.idKeys, ref.idKeys);
    w.stringField(EntityRefField.type, ref.type);
    w.stringField(EntityRefField.schemaUrl, ref.schemaUrl);
    w.closeMessage(ResourceField.entityRefs, refEnd);
  }
  w.uint32Field(ResourceField.droppedAttributesCount, resource.droppedAttributesCount);
  encodeKeyValues(w, ResourceField.attributes, resource.attributes);
  closeUnlessEmpty(w, field, end);
}

export function encodeScopeField(w: ProtoWriter, field: number, scope: InstrumentationScope): void {
  const end = w.written;
  w.uint32Field(ScopeField.droppedAttributesCount, scope.droppedAttributesCount);
  encodeKeyValues(w, ScopeField.attributes, scope.attributes);
  w.stringField(ScopeField.version, scope.version);
  w.stringField(ScopeField.name, scope.name);
  closeUnlessEmpty(w, field, end);
}
