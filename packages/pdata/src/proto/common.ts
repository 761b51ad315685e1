// common.proto and resource.proto: values, attributes, resources, scopes. Field numbers are
// opentelemetry-proto's; see the message comments.
import type { AnyValue, EntityRef, InstrumentationScope, KeyValue, Resource } from '../model.ts';
import { MAX_VALUE_DEPTH, type ProtoReader } from './reader.ts';
import type { ProtoWriter } from './writer.ts';

const EMPTY_VALUE: AnyValue = Object.freeze({}) as AnyValue;

// AnyValue: oneof { string_value 1, bool_value 2, int_value 3 (int64), double_value 4,
// array_value 5 (ArrayValue{values 1}), kvlist_value 6 (KeyValueList{values 1}), bytes_value 7 }
// A value given again merges into the one before (protobuf's rule for a repeated non-repeated
// message field): the same array or kvlist member appends its values, another member replaces.
export function decodeAnyValue(r: ProtoReader, end: number, into: AnyValue = EMPTY_VALUE): AnyValue {
  let value = into;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        value = { stringValue: r.string() };
        break;
      case 16:
        value = { boolValue: r.bool() };
        break;
      case 24:
        value = { intValue: r.int64() };
        break;
      case 33:
        value = { doubleValue: r.double() };
        break;
      case 42:
        value = {
          arrayValue: { values: decodeArrayValue(r, r.len(), 'arrayValue' in value ? value.arrayValue.values : []) },
        };
        break;
      case 50:
        value = {
          kvlistValue: {
            values: decodeKeyValueList(r, r.len(), 'kvlistValue' in value ? value.kvlistValue.values : []),
          },
        };
        break;
      case 58:
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
    if (tag === 10) values.push(decodeAnyValue(r, r.len()));
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
    if (tag === 10) values.push(decodeKeyValue(r, r.len()));
    else r.skip(tag);
  }
  r.expectEnd(end, 'KeyValueList');
  r.depth--;
  return values;
}

// KeyValue: key 1, value 2
export function decodeKeyValue(r: ProtoReader, end: number): KeyValue {
  let key = '';
  let value: AnyValue = EMPTY_VALUE;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) key = r.string();
    else if (tag === 18) value = decodeAnyValue(r, r.len(), value);
    else r.skip(tag);
  }
  r.expectEnd(end, 'KeyValue');
  return { key, value };
}

// EntityRef: schema_url 1, type 2, id_keys 3 (repeated), description_keys 4 (repeated)
function decodeEntityRef(r: ProtoReader, end: number): EntityRef {
  let schemaUrl = '';
  let type = '';
  const idKeys: string[] = [];
  const descriptionKeys: string[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        schemaUrl = r.string();
        break;
      case 18:
        type = r.string();
        break;
      case 26:
        idKeys.push(r.string());
        break;
      case 34:
        descriptionKeys.push(r.string());
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'EntityRef');
  return { schemaUrl, type, idKeys, descriptionKeys };
}

// Resource: attributes 1, dropped_attributes_count 2, entity_refs 3. Decodes into `into`'s
// fields, so a resource given twice merges (repeated fields appended, scalars last-wins).
export function decodeResource(r: ProtoReader, end: number, into: Resource = emptyResource()): Resource {
  const { attributes, entityRefs } = into;
  let { droppedAttributesCount } = into;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case 16:
        droppedAttributesCount = r.uint32();
        break;
      case 26:
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

// InstrumentationScope: name 1, version 2, attributes 3, dropped_attributes_count 4; merges
// into `into` as decodeResource does
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
      case 10:
        name = r.string();
        break;
      case 18:
        version = r.string();
        break;
      case 26:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case 32:
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
    w.tag(1, 2);
  } else if (o.intValue !== undefined) {
    w.int64(o.intValue);
    w.tag(3, 0);
  } else if (o.boolValue !== undefined) {
    w.bool(o.boolValue);
    w.tag(2, 0);
  } else if (o.doubleValue !== undefined) {
    w.double(o.doubleValue);
    w.tag(4, 1);
  } else if (o.arrayValue !== undefined) {
    const end = w.written;
    const values = o.arrayValue.values;
    for (let i = values.length - 1; i >= 0; i--) encodeAnyValueField(w, 1, values[i], true);
    w.closeMessage(5, end);
  } else if (o.kvlistValue !== undefined) {
    const end = w.written;
    encodeKeyValues(w, 1, o.kvlistValue.values);
    w.closeMessage(6, end);
  } else if (o.bytesValue !== undefined) {
    w.bytes(o.bytesValue);
    w.tag(7, 2);
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
    encodeAnyValueField(w, 2, kv.value, false);
    w.stringField(1, kv.key);
    w.closeMessage(field, end);
  }
}

function encodeStrings(w: ProtoWriter, field: number, values: string[]): void {
  for (let i = values.length - 1; i >= 0; i--) {
    w.string(values[i]);
    w.tag(field, 2);
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
    encodeStrings(w, 4, ref.descriptionKeys);
    encodeStrings(w, 3, ref.idKeys);
    w.stringField(2, ref.type);
    w.stringField(1, ref.schemaUrl);
    w.closeMessage(3, refEnd);
  }
  w.uint32Field(2, resource.droppedAttributesCount);
  encodeKeyValues(w, 1, resource.attributes);
  closeUnlessEmpty(w, field, end);
}

export function encodeScopeField(w: ProtoWriter, field: number, scope: InstrumentationScope): void {
  const end = w.written;
  w.uint32Field(4, scope.droppedAttributesCount);
  encodeKeyValues(w, 3, scope.attributes);
  w.stringField(2, scope.version);
  w.stringField(1, scope.name);
  closeUnlessEmpty(w, field, end);
}
